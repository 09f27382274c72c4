//! What this build holds of the optional parts (the cargo features `aws` and `parquet`, see
//! README "Building"), and the one-line refusal of a setting that needs a part it left out.
//!
//! A lean build (`--no-default-features --features local`) keeps a local lake and its local
//! ledger; a setting that asks for S3, DynamoDB or silver's Parquet tables is refused when the
//! configuration is resolved, before anything runs, as a usage error (exit 2).

use crate::error::UserError;

/// One optional part of the binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    /// The AWS SDK: the S3 lake and silver, the DynamoDB ledger, every AWS backend.
    Aws,
    /// Silver's typed Parquet tables (arrow and parquet).
    Parquet,
}

impl Feature {
    /// The cargo feature's name.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Aws => "aws",
            Feature::Parquet => "parquet",
        }
    }

    /// True when this binary was built with the feature.
    pub fn built(self) -> bool {
        match self {
            Feature::Aws => cfg!(feature = "aws"),
            Feature::Parquet => cfg!(feature = "parquet"),
        }
    }

    /// `Ok` when this binary has the feature, else the usage error saying that it has no
    /// `what` support (`what` names what the setting asked for: "S3", "DynamoDB").
    pub fn require(self, what: &str) -> anyhow::Result<()> {
        match refusal(self, self.built(), what) {
            None => Ok(()),
            Some(message) => Err(UserError::usage(message)),
        }
    }

    /// The usage error for a setting that needs this feature for `what` (a build without it).
    pub fn missing(self, what: &str) -> anyhow::Error {
        UserError::usage(refusal(self, false, what).unwrap_or_default())
    }
}

/// The refusal of a setting that needs `feature` for `what`, `None` when `built`.
pub fn refusal(feature: Feature, built: bool, what: &str) -> Option<String> {
    (!built).then(|| {
        format!("this build has no {what} support; build with --features {}", feature.name())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A missing part is one line naming what was asked for and the feature to build with.
    #[test]
    fn a_missing_feature_is_named_with_the_flag_to_build_it() {
        assert_eq!(
            refusal(Feature::Aws, false, "S3").as_deref(),
            Some("this build has no S3 support; build with --features aws")
        );
        assert_eq!(
            refusal(Feature::Parquet, false, "silver (Parquet)").as_deref(),
            Some("this build has no silver (Parquet) support; build with --features parquet")
        );
        assert_eq!(refusal(Feature::Aws, true, "S3"), None);
    }

    /// The default build (the one the suite runs) holds every part, so nothing is refused.
    #[test]
    #[cfg(all(feature = "aws", feature = "parquet"))]
    fn the_default_build_refuses_nothing() {
        assert!(Feature::Aws.require("S3").is_ok());
        assert!(Feature::Parquet.require("silver").is_ok());
    }
}
