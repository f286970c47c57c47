//! The console's HTML templates (minijinja, compiled once, embedded in the binary) and the
//! one render call. Templates named `*.html` autoescape every value; the only unescaped
//! values are the SVG pictures, which `flowlink-picture` escapes as it draws them.

use std::sync::OnceLock;

use minijinja::Environment;
use serde::Serialize;

use crate::error::ApiError;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("error.html", include_str!("templates/error.html")),
    ("signin.html", include_str!("templates/signin.html")),
    ("flows.html", include_str!("templates/flows.html")),
    ("flow.html", include_str!("templates/flow.html")),
    ("modules.html", include_str!("templates/modules.html")),
    ("module.html", include_str!("templates/module.html")),
    (
        "link_results.html",
        include_str!("templates/link_results.html"),
    ),
    ("simulate.html", include_str!("templates/simulate.html")),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            // The templates are part of the binary; one that does not parse fails every test
            // that renders it, so a broken one cannot ship. Skipping it here keeps start-up
            // panic-free; rendering it answers a 500.
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "console template does not parse");
            }
        }
        env
    })
}

/// Renders template `name` with `ctx`.
pub fn render(name: &str, ctx: &impl Serialize) -> Result<String, ApiError> {
    env()
        .get_template(name)
        .and_then(|t| t.render(minijinja::value::Serde(ctx)))
        .map_err(|e| ApiError::Internal(format!("console template {name}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        let env = env();
        for (name, _) in TEMPLATES {
            assert!(env.get_template(name).is_ok(), "{name} does not parse");
        }
    }

    #[test]
    fn values_are_escaped() {
        let html = render(
            "error.html",
            &serde_json::json!({"status": 400, "message": "<img src=x onerror=alert(1)>"}),
        )
        .unwrap();
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    }
}
