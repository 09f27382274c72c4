//! The page around the charts: the style sheet (light and dark, system fonts), and the
//! pieces of markup the dashboard is made of (sections, cards, tiles, legends).

use jiff::civil::Date;

use super::svg::escape;
use crate::health::energy::{Energy, Stale};

/// The whole style sheet, inline: the page loads nothing from anywhere.
pub const STYLE: &str = r#"
:root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--ink:#1b1f26;--muted:#6b7280;--grid:#e7e9ee;--edge:#e3e6eb;
--k0:#8a94a6;--k1:#2f6fec;--k2:#7c5cff;--k3:#e5484d;--k4:#12a37a;--k5:#e38f0b;--k6:#0f9fb0;--k7:#d6409f;--k8:#5b6b82;
--deep:#3b2a8f;--rem:#7c5cff;--light:#b9adff;--awake:#f0a73a;--ok:#12a37a;--empty:#cfd6e0;--fail:#e5484d;--up:#12a37a;--down:#d9485f}
@media (prefers-color-scheme:dark){:root{--bg:#0d1016;--card:#161a22;--ink:#e7eaf0;--muted:#98a2b3;--grid:#252b36;--edge:#232935;
--k0:#8d97a8;--k1:#5b8ff9;--k2:#9d85ff;--k3:#ff6b70;--k4:#2fc796;--k5:#f5a524;--k6:#2cc3d4;--k7:#f062b8;--k8:#8797ae;
--deep:#5a45d6;--rem:#9d85ff;--light:#cfc6ff;--awake:#f5b14c;--ok:#2fc796;--empty:#3a4250;--fail:#ff6b70;--up:#2fc796;--down:#ff7b8a}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-variant-numeric:tabular-nums}
main{max-width:1240px;margin:0 auto;padding:28px 20px 40px}
header h1{font-size:26px;margin:0 0 2px;letter-spacing:-.01em}
header p{margin:0;color:var(--muted)}
h2{font-size:13px;text-transform:uppercase;letter-spacing:.08em;color:var(--muted);margin:30px 0 10px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(134px,1fr));gap:12px;margin-top:20px}
.tile{background:var(--card);border:1px solid var(--edge);border-radius:14px;padding:14px 16px}
.tile .name{color:var(--muted);font-size:12px}
.tile .value{white-space:nowrap;font-size:26px;font-weight:650;letter-spacing:-.02em;margin:2px 0}
.tile .value small{font-size:14px;font-weight:500;color:var(--muted);margin-left:3px}
.tile .delta{font-size:12px;color:var(--muted)}
.tile .delta b{font-weight:600}.up{color:var(--up)}.down{color:var(--down)}.same{color:var(--ink)}
.tile.partial .value{color:var(--muted)}
.tile.none .value{font-size:17px;color:var(--muted);font-weight:500;margin:10px 0 9px}
.grid2{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(460px,100%),1fr));gap:14px}
.card{background:var(--card);border:1px solid var(--edge);border-radius:14px;padding:14px 16px 10px;min-width:0}
.card.wide{grid-column:1/-1}
.card h3{font-size:15px;margin:0}
.card .sub{color:var(--muted);font-size:12px;margin:1px 0 8px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;color:var(--muted);font-size:12px;margin:4px 0 2px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:3px;background:currentColor;margin-right:5px;vertical-align:-1px}
.legend i.base{height:4px;border-radius:2px;opacity:.35;vertical-align:2px;width:14px}
table{border-collapse:collapse;width:100%;font-size:12.5px;margin:6px 0 4px}
th{text-align:left;color:var(--muted);font-weight:500}th,td{padding:3px 6px 3px 0;border-bottom:1px solid var(--grid)}
td.n,th.n{text-align:right}
footer{color:var(--muted);font-size:12px;margin-top:30px;line-height:1.6}
.chart{width:100%;height:auto;display:block;overflow:visible}
.chart .grid{stroke:var(--grid);stroke-width:1}
.chart .axis{fill:var(--muted);font-size:10.5px}
.chart .line{fill:none;stroke:currentColor;stroke-width:1.7;stroke-linejoin:round}
.chart .baseline{fill:none;stroke:currentColor;stroke-width:3.5;stroke-opacity:.25;stroke-linecap:round;stroke-linejoin:round}
.chart .dots circle,.chart .bars rect,.chart .cells rect,.chart .ranges .mid{fill:currentColor}
.chart .ranges rect{fill:currentColor;fill-opacity:.3}
.chart .ranges.k2 rect{fill-opacity:.6}
.k0{color:var(--k0)}.k1{color:var(--k1)}.k2{color:var(--k2)}.k3{color:var(--k3)}.k4{color:var(--k4)}.k5{color:var(--k5)}.k6{color:var(--k6)}.k7{color:var(--k7)}.k8{color:var(--k8)}
.deep{color:var(--deep)}.rem{color:var(--rem)}.light{color:var(--light)}.awake{color:var(--awake)}
rect.k1,rect.k2,rect.k3,rect.k4,rect.k5,rect.k6,rect.k7,rect.k8{fill:currentColor}
.st-records{fill:var(--ok)}.st-empty{fill:var(--empty)}.st-failed{fill:var(--fail)}.st-never{fill:none;stroke:var(--grid);stroke-width:1}
i.st-records{color:var(--ok)}i.st-empty{color:var(--empty)}i.st-failed{color:var(--fail)}i.st-never{color:transparent;box-shadow:inset 0 0 0 1px var(--muted)}
.chart circle:hover,.chart rect:hover{stroke:var(--ink);stroke-width:1}
.chart .band{stroke:none;fill:currentColor;fill-opacity:.22}
.chart .rest{fill:var(--muted);fill-opacity:.13}
.chart .tag{fill:var(--k7)}
.chart rect.partial{fill-opacity:.25;stroke:currentColor;stroke-width:1;stroke-dasharray:2 1.5}
.legend i.band{opacity:.3;height:10px}
.legend i.rest{color:var(--muted);opacity:.3}
.legend i.tag{color:var(--k7);width:0;height:0;border-radius:0;background:none;border-left:5px solid transparent;border-right:5px solid transparent;border-top:8px solid currentColor}
.legend i.partial{color:var(--k4);opacity:.35;outline:1px dashed var(--k4)}
.verdict{border-radius:14px;padding:12px 16px;margin-top:18px;border:1px solid var(--edge);background:var(--card);border-left:6px solid var(--k0)}
.verdict b{font-size:17px}.verdict p{margin:3px 0 0}
.verdict.e-peak{border-left-color:var(--up)}.verdict.e-high{border-left-color:var(--k4)}.verdict.e-moderate{border-left-color:var(--k1)}
.verdict.e-low{border-left-color:var(--k5)}.verdict.e-recovery_needed{border-left-color:var(--down)}
.verdict.stale{border-left-color:var(--fail)}.verdict.stale b{color:var(--fail)}
.night{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,640px);gap:6px 22px;align-items:start}
.chart .samples circle{fill:currentColor}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(104px,1fr));gap:8px 12px;margin:4px 0 8px}
.figures dt{color:var(--muted);font-size:12px}.figures dd{margin:0;font-size:17px;font-weight:600}
.curve-name{color:var(--muted);font-size:12px;margin:8px 0 -2px}
.chart .stages rect{stroke:none}.stages .deep,.stages .rem,.stages .light,.stages .awake{fill:currentColor}
.only-narrow{display:none}
@media (max-width:700px){
main{padding:16px 10px 30px}
header h1{font-size:22px}
.tiles{grid-template-columns:1fr 1fr;gap:8px}
.tile{padding:10px 12px}.tile .value{font-size:24px}
.card{padding:12px 12px 8px}
.grid2{gap:10px}
.chart .axis{font-size:15px}
.only-wide{display:none}.only-narrow{display:block}
.night{grid-template-columns:minmax(0,1fr)}
}
@media print{body{background:#fff}.card,.tile{break-inside:avoid}}
"#;

/// Which way a tile's difference goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// The good way (green).
    Good,
    /// The other way (red).
    Bad,
    /// No change as shown (`±0`): neutral.
    Same,
}

/// One figure of the latest day, as a tile.
pub struct Tile {
    pub name: &'static str,
    /// The value as shown, or `None` when the day is not scored yet.
    pub value: Option<String>,
    pub unit: &'static str,
    /// The difference from the 30-day median, as shown (`+5`, `±0`), and its tone.
    pub delta: Option<(String, Tone)>,
    pub median: Option<String>,
    /// The day is not over (today's steps so far): no comparison with whole days.
    pub partial: bool,
}

impl Tile {
    /// The same tile, marked partial when `partial`.
    pub fn partial_on(mut self, partial: bool) -> Self {
        self.partial = partial;
        self
    }
}

/// The markup of a tile.
pub fn tile(t: &Tile) -> String {
    let Some(value) = &t.value else {
        return format!(
            r#"<div class="tile none" data-tile="{n}"><div class="name">{n}</div><div class="value">not scored yet</div><div class="delta">&nbsp;</div></div>"#,
            n = escape(t.name)
        );
    };
    let delta = match (&t.delta, &t.median) {
        _ if t.partial => match &t.median {
            Some(m) => format!("so far today · a whole day's median is {}", escape(m)),
            None => "so far today".to_string(),
        },
        (Some((d, tone)), Some(m)) => format!(
            r#"<b class="{c}">{d}</b> vs 30-day median {m}"#,
            c = match tone {
                Tone::Good => "up",
                Tone::Bad => "down",
                Tone::Same => "same",
            },
            d = escape(d),
            m = escape(m)
        ),
        _ => "no 30-day median yet".to_string(),
    };
    format!(
        r#"<div class="tile{p}" data-tile="{n}" data-value="{v}"><div class="name">{n}{so_far}</div><div class="value">{v}<small>{u}</small></div><div class="delta">{delta}</div></div>"#,
        p = if t.partial { " partial" } else { "" },
        so_far = if t.partial { " (so far)" } else { "" },
        n = escape(t.name),
        v = escape(value),
        u = escape(t.unit),
    )
}

/// The banner at the top: bio-lakehouse's energy verdict with the figures that decided it,
/// or the stale-data warning (nothing when neither is known).
pub fn verdict(energy: Option<&Energy>, stale: Option<&Stale>, day: Date) -> String {
    if let Some(stale) = stale {
        return format!(
            r#"<section class="verdict stale" data-verdict="stale"><b>Data stale</b><p>{}</p></section>"#,
            escape(&stale.text())
        );
    }
    let Some(energy) = energy else { return String::new() };
    let when = if energy.day == day {
        String::new()
    } else {
        format!(" · {}", energy.day.strftime("%a %-d %b"))
    };
    format!(
        r#"<section class="verdict e-{state}" data-verdict="{state}"><b>Energy: {name}{when}</b><p>{text}</p></section>"#,
        state = serde_json::to_value(energy.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        name = energy.state.display(),
        when = escape(&when),
        text = escape(&energy.guidance),
    )
}

/// A card: a title, a subtitle (units, what is drawn), the chart, and a legend.
pub fn card(
    id: &str,
    title: &str,
    sub: &str,
    body: &str,
    legend: &[(&str, &str)],
    wide: bool,
) -> String {
    let keys: String = legend
        .iter()
        .map(|(class, name)| {
            if let Some(class) = class.strip_prefix("base ") {
                format!(r#"<span><i class="base {class}"></i>{}</span>"#, escape(name))
            } else {
                format!(r#"<span><i class="{class}"></i>{}</span>"#, escape(name))
            }
        })
        .collect();
    let legend = if keys.is_empty() {
        String::new()
    } else {
        format!(r#"<div class="legend">{keys}</div>"#)
    };
    format!(
        r#"<section class="card{w}" data-card="{id}"><h3>{t}</h3><div class="sub">{s}</div>{body}{legend}</section>"#,
        w = if wide { " wide" } else { "" },
        t = escape(title),
        s = escape(sub),
    )
}

/// A titled group of cards (nothing when it has none); its heading's id is its title in
/// lower case (`#last-night`), for a link or a bookmark.
pub fn section(title: &str, cards: &[String]) -> String {
    if cards.is_empty() {
        return String::new();
    }
    let id = title.to_ascii_lowercase().replace(' ', "-");
    format!(
        r#"<h2 id="{}">{}</h2><div class="grid2">{}</div>"#,
        escape(&id),
        escape(title),
        cards.concat()
    )
}
