//! The monthly attendance report as a PDF for the funder, made with `printpdf` in one of the
//! fonts every PDF reader has (Helvetica, whose encoding covers Swedish letters; characters
//! outside it are left out).

use crate::api::attendance::{activity_heading, swedish_hours};
use crate::db::Attestation;
use anyhow::anyhow;
use lotsa_core::domain::{clock_text, stockholm_day, stockholm_time};
use lotsa_core::report::{Activity, MonthlyReport};
use printpdf::{BuiltinFont, IndirectFontRef, Mm, PdfDocument, PdfLayerReference};

const TOP: f32 = 275.0;
const BOTTOM: f32 = 20.0;
const LINE: f32 = 6.0;
const COLUMNS: [f32; 5] = [20.0, 45.0, 95.0, 130.0, 170.0];

/// The report, its participant's name, and the attestation in force (with the digest of the
/// report as it is now, to say whether the attested one is this one).
pub fn render(
    report: &MonthlyReport,
    name: &str,
    attestation: Option<&Attestation>,
    digest: &str,
) -> anyhow::Result<Vec<u8>> {
    let title = format!("Närvarorapport {}", report.month);
    let (doc, page, layer) = PdfDocument::new(&title, Mm(210.0), Mm(297.0), "report");
    let font = doc
        .add_builtin_font(BuiltinFont::Helvetica)
        .map_err(|error| anyhow!("add Helvetica: {error}"))?;
    let bold = doc
        .add_builtin_font(BuiltinFont::HelveticaBold)
        .map_err(|error| anyhow!("add Helvetica Bold: {error}"))?;
    let mut writer = Writer {
        layer: doc.get_page(page).get_layer(layer),
        y: TOP,
    };
    writer.line(&[(COLUMNS[0], title.as_str())], 16.0, &bold);
    writer.y -= 4.0;
    writer.line(&[(COLUMNS[0], &format!("Deltagare: {name}"))], 11.0, &font);
    writer.line(&[(COLUMNS[0], "Timmar per dag och aktivitet")], 11.0, &font);
    writer.y -= 4.0;
    let mut heading = vec![(COLUMNS[0], "Datum")];
    heading.extend(
        Activity::ALL
            .iter()
            .zip(&COLUMNS[1..])
            .map(|(activity, x)| (*x, activity_heading(*activity))),
    );
    writer.line(&heading, 9.0, &bold);
    for day in &report.days {
        if writer.y < BOTTOM + LINE {
            let (page, layer) = doc.add_page(Mm(210.0), Mm(297.0), "report");
            writer = Writer {
                layer: doc.get_page(page).get_layer(layer),
                y: TOP,
            };
            writer.line(&heading, 9.0, &bold);
        }
        let cells = row(&day.day.to_string(), &day.minutes);
        let cells: Vec<(f32, &str)> = cells.iter().map(|(x, text)| (*x, text.as_str())).collect();
        writer.line(&cells, 10.0, &font);
    }
    let totals = row("Summa", &report.totals);
    let totals: Vec<(f32, &str)> = totals.iter().map(|(x, text)| (*x, text.as_str())).collect();
    writer.line(&totals, 10.0, &bold);
    writer.y -= 6.0;
    let attested = match attestation {
        Some(attested) if attested.digest == digest => format!(
            "Intygad av deltagaren {} {}.",
            stockholm_day(attested.attested_at),
            clock_text(stockholm_time(attested.attested_at))
        ),
        Some(_) => {
            "Intygad, men rapporten har ändrats sedan dess: den intygade versionen finns kvar."
                .to_owned()
        }
        None => "Inte intygad av deltagaren.".to_owned(),
    };
    writer.line(&[(COLUMNS[0], attested.as_str())], 10.0, &font);
    writer.line(&[(COLUMNS[0], &format!("SHA-256: {digest}"))], 7.0, &font);
    doc.save_to_bytes()
        .map_err(|error| anyhow!("write the PDF: {error}"))
}

fn row(first: &str, minutes: &[i64; 4]) -> Vec<(f32, String)> {
    let mut cells = vec![(COLUMNS[0], first.to_owned())];
    cells.extend(
        minutes
            .iter()
            .zip(&COLUMNS[1..])
            .map(|(minutes, x)| (*x, swedish_hours(*minutes))),
    );
    cells
}

struct Writer {
    layer: PdfLayerReference,
    y: f32,
}

impl Writer {
    fn line(&mut self, cells: &[(f32, &str)], size: f32, font: &IndirectFontRef) {
        for (x, text) in cells {
            self.layer.use_text(*text, size, Mm(*x), Mm(self.y), font);
        }
        self.y -= LINE;
    }
}
