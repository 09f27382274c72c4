//! Which certificate authorities the HTTPS clients trust: the system's (its CA bundle, or
//! `SSL_CERT_FILE`/`SSL_CERT_DIR`), and, when the system has none (a `scratch` container, a
//! minimal image without `ca-certificates`), the Mozilla roots bundled in the binary
//! (`webpki-root-certs`), so that such a host still reaches Oura, the notification services and
//! AWS. One TLS stack either way: rustls with ring.
//!
//! The choice is made once per process ([`roots`]) and every client follows it: the reqwest
//! clients through [`client_builder`], the AWS SDK's through [`crate::aws`].

use std::sync::OnceLock;

use rustls::pki_types::CertificateDer;

/// Where the trusted roots come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Roots {
    /// The system's: it has at least one certificate rustls can use.
    System,
    /// The bundled Mozilla roots: the system has none that rustls can use.
    Bundled,
}

/// The roots to trust when the system offers `usable` certificates rustls can parse.
pub fn choose(usable: usize) -> Roots {
    if usable > 0 { Roots::System } else { Roots::Bundled }
}

/// The system's certificates that rustls can use as roots: what `rustls-native-certs` finds
/// (the platform store, or only `SSL_CERT_FILE`/`SSL_CERT_DIR` when either is set), less
/// those rustls cannot parse (system stores hold a few ancient ones).
fn usable_system_roots() -> usize {
    let found = rustls_native_certs::load_native_certs();
    let (usable, _unusable) = rustls::RootCertStore::empty().add_parsable_certificates(found.certs);
    usable
}

/// The roots of this process, decided on first use (reading the system store once).
pub fn roots() -> Roots {
    static ROOTS: OnceLock<Roots> = OnceLock::new();
    *ROOTS.get_or_init(|| {
        let roots = choose(usable_system_roots());
        if roots == Roots::Bundled {
            tracing::debug!(
                "The system has no CA certificates; trusting the roots bundled in the binary."
            );
        }
        roots
    })
}

/// The bundled Mozilla roots, as DER certificates.
pub fn bundled() -> &'static [CertificateDer<'static>] {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
}

/// A reqwest client builder that trusts [`roots`]: reqwest's own loading of the system store
/// when there is one, else the bundled roots alone. Every HTTPS client of the tool starts here.
pub fn client_builder() -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    match roots() {
        Roots::System => builder,
        Roots::Bundled => bundled()
            .iter()
            .filter_map(|der| reqwest::Certificate::from_der(der).ok())
            .fold(builder.tls_built_in_root_certs(false), |b, cert| b.add_root_certificate(cert)),
    }
}

/// The bundled roots as one PEM text (what the AWS SDK's trust store takes).
pub fn bundled_pem() -> String {
    use base64::Engine;
    let mut pem = String::new();
    for der in bundled() {
        let text = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        for line in text.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
    }
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled roots are used exactly when the system offers no usable certificate.
    #[test]
    fn the_bundle_is_the_fallback_for_a_system_without_roots() {
        assert_eq!(choose(0), Roots::Bundled);
        assert_eq!(choose(1), Roots::System);
        assert_eq!(choose(140), Roots::System);
    }

    /// The bundle holds the public roots, each one rustls accepts as a trust anchor (so the
    /// fallback trusts what the web trusts: ISRG Root X1 signs Let's Encrypt's certificates).
    #[test]
    fn every_bundled_root_is_usable() {
        let (usable, unusable) =
            rustls::RootCertStore::empty().add_parsable_certificates(bundled().iter().cloned());
        assert!(usable > 100, "{usable}");
        assert_eq!(unusable, 0);
        let subjects = bundled().iter().map(|c| String::from_utf8_lossy(c.as_ref()).into_owned());
        assert!(subjects.into_iter().any(|text| text.contains("ISRG Root X1")));
    }

    /// The PEM text for the AWS SDK holds every bundled root, and decodes back to them.
    #[test]
    fn the_pem_bundle_round_trips() {
        use rustls::pki_types::pem::PemObject;
        let pem = bundled_pem();
        let back: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(pem.as_bytes()).collect::<Result<_, _>>().unwrap();
        assert_eq!(back, bundled());
    }
}
