//! What points a local admin command at production: a variable or file named for production
//! (`$PROD_DATABASE_URL`, `.env.production`) or a connection URL to a production host.

use super::commands::Part;
use super::text::Segment;
use crate::model::script::OutsideRelease;
use crate::origin::Spanned;

/// The first word of the command (assignments included) that names a production resource.
pub(super) fn resource(parts: &[Part], segment: &Segment) -> Option<OutsideRelease> {
    parts.iter().find_map(|part| {
        let named = production_variable(&part.raw)
            .or_else(|| production_file(&part.raw))
            .or_else(|| production_url(&part.text))?;
        Some(OutsideRelease::ProductionResource {
            resource: Spanned::new(named, segment.span(&part.bytes)),
        })
    })
}

/// True for a word that means production (`prod`, `production`, `PRD` is too short to trust).
fn is_production_word(word: &str) -> bool {
    matches!(word.to_ascii_lowercase().as_str(), "prod" | "production")
}

/// `$PROD_DATABASE_URL`, `${DATABASE_URL_PRODUCTION}`: a variable named for production.
fn production_variable(raw: &str) -> Option<String> {
    let mut rest = raw;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        let name: String = rest
            .trim_start_matches(['{', '('])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.split('_').any(is_production_word) {
            return Some(format!("${name}"));
        }
    }
    None
}

/// `.env.production`, `config/prod.env`, `--settings=production.yml`: a file named for production.
fn production_file(raw: &str) -> Option<String> {
    let value = raw
        .rsplit('=')
        .next()
        .unwrap_or(raw)
        .trim_matches(['"', '\'']);
    if !(value.contains('.') || value.contains('/')) || value.contains("://") || value.contains('$')
    {
        return None;
    }
    let name = value.rsplit('/').next().unwrap_or(value);
    let has_extension_or_dot = name.contains('.');
    (has_extension_or_dot && name.split(['.', '-', '_']).any(is_production_word))
        .then(|| value.to_string())
}

/// `postgres://user@db.prod.example.com/app`: a database URL whose host names production.
fn production_url(text: &str) -> Option<String> {
    let value = text.rsplit_once('=').map_or(text, |(_, v)| v);
    let (scheme, rest) = value.split_once("://")?;
    let database = [
        "postgres",
        "postgresql",
        "mysql",
        "mariadb",
        "mongodb",
        "mongodb+srv",
        "redis",
        "rediss",
    ];
    if !database.contains(&scheme.to_ascii_lowercase().as_str()) {
        return None;
    }
    let authority = rest.split('/').next().unwrap_or(rest);
    let host = authority.rsplit('@').next().unwrap_or(authority);
    host.split(['.', '-', ':'])
        .any(is_production_word)
        .then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_is_read_from_variable_file_and_host_names() {
        assert_eq!(
            production_variable("--database=$PROD_DATABASE_URL").as_deref(),
            Some("$PROD_DATABASE_URL")
        );
        assert_eq!(
            production_variable("${DATABASE_URL_PRODUCTION:-x}").as_deref(),
            Some("$DATABASE_URL_PRODUCTION")
        );
        assert_eq!(production_variable("$PRODUCT_ID"), None);
        assert_eq!(
            production_file("--env-file=.env.production").as_deref(),
            Some(".env.production")
        );
        assert_eq!(
            production_file("config/prod.env").as_deref(),
            Some("config/prod.env")
        );
        assert_eq!(production_file("products.csv"), None);
        assert!(production_url("DATABASE_URL=postgres://u@db.prod.acme.io/app").is_some());
        assert_eq!(production_url("postgres://localhost/app_test"), None);
        assert_eq!(production_url("https://prod.acme.io"), None);
    }
}
