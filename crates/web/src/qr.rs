//! QR codes drawn by the server as inline SVG (no image crate, no outside
//! service): the enrolment page's `otpauth://` URI.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The QR code of `text` as an `<svg>` element to put in a page, or `None`
/// if the text is too long for a QR code.
pub(crate) fn svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(220, 220)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build();
    // The renderer writes a whole document; a page wants the element only.
    let element = image.find("<svg").map(|at| &image[at..])?;
    Some(element.replacen(
        "<svg ",
        "<svg role=\"img\" aria-label=\"两步验证二维码\" class=\"qr\" ",
        1,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn draws_an_svg_element() {
        let s = super::svg("otpauth://totp/x:y?secret=ABC").unwrap();
        assert!(s.starts_with("<svg role=\"img\""));
        assert!(s.ends_with("</svg>"));
        assert!(!s.contains("<?xml"));
    }
}
