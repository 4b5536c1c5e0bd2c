//! Every JSON answer a test reads through [`super::Api`] is checked against
//! the server's own OpenAPI document (`/api/v1/openapi.json`), so a response
//! that drifts from what the document promises fails the test that saw it:
//! a field the document lacks, a required field missing, a wrong type.
//!
//! The checker knows the part of JSON Schema that utoipa writes: `$ref` to
//! `#/components/schemas`, `type` (one or a list, with `"null"`), `oneOf`,
//! `anyOf`, `allOf`, `properties`/`required`, `additionalProperties`, `items`
//! and `enum`. It is strict about objects: a property the schema does not
//! declare is drift (utoipa writes no `additionalProperties: false`, so a
//! general validator would let it pass).

use serde_json::{Map, Value};
use std::sync::OnceLock;

static DOCUMENT: OnceLock<Value> = OnceLock::new();

/// The document, fetched once per test process (it is the same for every
/// server this binary starts).
pub async fn document(base: &str) -> &'static Value {
    if let Some(d) = DOCUMENT.get() {
        return d;
    }
    let doc: Value = reqwest::get(format!("{base}/api/v1/openapi.json"))
        .await
        .expect("GET openapi.json")
        .json()
        .await
        .expect("openapi.json is JSON");
    let _ = DOCUMENT.set(doc);
    DOCUMENT.get().expect("document set")
}

/// Panics, naming the path and every mismatch, when `body` is not what the
/// document says `method path` answers with `status`.
pub fn check(doc: &Value, method: &str, path: &str, status: u16, body: &Value) {
    let path = path.split('?').next().unwrap_or(path);
    if path == "/api/v1/openapi.json" {
        return;
    }
    let Some(template) = template_of(doc, path) else {
        assert_eq!(status, 404, "{method} {path}: not in the OpenAPI document");
        let errors = Checker { doc }.check(&schema_ref("ErrorBody"), body, "$");
        assert!(
            errors.is_empty(),
            "{method} {path} → 404: not the error shape"
        );
        return;
    };
    let op = &doc["paths"][template.as_str()][method.to_ascii_lowercase()];
    if !op.is_object() {
        assert!(
            status >= 400,
            "{method} {path}: {template} has no {method} in the OpenAPI document"
        );
        let errors = Checker { doc }.check(&schema_ref("ErrorBody"), body, "$");
        assert!(
            errors.is_empty(),
            "{method} {path} → {status}: not the error shape"
        );
        return;
    }
    let responses = &op["responses"];
    let Some(response) = responses.get(status.to_string()) else {
        assert!(
            status >= 400,
            "{method} {path}: answered {status}, which the document does not list"
        );
        // Errors the document does not list still have the error shape.
        if body.is_object() {
            let errors = Checker { doc }.check(&schema_ref("ErrorBody"), body, "$");
            assert!(
                errors.is_empty(),
                "{method} {path} → {status}: not the error shape:\n{}",
                errors.join("\n")
            );
        }
        return;
    };
    let response = Checker { doc }.resolve(response);
    let Some(schema) = response["content"]["application/json"].get("schema") else {
        return;
    };
    let errors = Checker { doc }.check(schema, body, "$");
    assert!(
        errors.is_empty(),
        "{method} {path} → {status} drifts from the OpenAPI document ({template}):\n{}\nbody: {}",
        errors.join("\n"),
        truncate(&body.to_string())
    );
}

fn truncate(s: &str) -> String {
    s.chars().take(1500).collect()
}

fn schema_ref(name: &str) -> Value {
    serde_json::json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The document's path template that `path` matches: literal segments before
/// parameters, so `/exits/ready` is not `/exits/{id}`.
fn template_of(doc: &Value, path: &str) -> Option<String> {
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let paths = doc["paths"].as_object()?;
    paths
        .keys()
        .filter_map(|t| {
            let ts: Vec<&str> = t.split('/').collect();
            if ts.len() != segs.len() {
                return None;
            }
            let mut params = 0;
            for (a, b) in ts.iter().zip(&segs) {
                if a.starts_with('{') {
                    params += 1;
                } else if a != b {
                    return None;
                }
            }
            Some((params, t))
        })
        .min_by_key(|(params, _)| *params)
        .map(|(_, t)| t.clone())
}

struct Checker<'a> {
    doc: &'a Value,
}

impl<'a> Checker<'a> {
    fn resolve<'v>(&self, schema: &'v Value) -> &'v Value
    where
        'a: 'v,
    {
        let mut s = schema;
        while let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let pointer = r.trim_start_matches('#');
            s = self.doc.pointer(pointer).unwrap_or(&Value::Null);
        }
        s
    }

    /// Every mismatch of `value` against `schema`, each naming where.
    fn check(&self, schema: &Value, value: &Value, at: &str) -> Vec<String> {
        let s = self.resolve(schema);
        if s.is_null() {
            return vec![format!("{at}: unresolvable schema {schema}")];
        }
        if let Some(alts) = s
            .get("oneOf")
            .or_else(|| s.get("anyOf"))
            .and_then(Value::as_array)
        {
            let tried: Vec<Vec<String>> = alts.iter().map(|a| self.check(a, value, at)).collect();
            if tried.iter().any(Vec::is_empty) {
                return Vec::new();
            }
            let mut out = vec![format!("{at}: matches none of {} alternatives", alts.len())];
            out.extend(tried.into_iter().flatten());
            return out;
        }
        if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
            // Each part loosely, then the union of their properties strictly.
            let mut out = Vec::new();
            let mut declared = Map::new();
            for p in parts {
                let p = self.resolve(p);
                if let Some(props) = p.get("properties").and_then(Value::as_object) {
                    declared.extend(props.clone());
                }
                out.extend(self.check_loose(p, value, at));
            }
            out.extend(undeclared(&declared, value, at));
            return out;
        }
        let mut out = self.check_loose(s, value, at);
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            let open = s.get("additionalProperties").is_some_and(Value::is_object);
            if !open {
                out.extend(undeclared(props, value, at));
            }
        }
        out
    }

    /// Type, required and declared properties, items and enum; without the
    /// check for undeclared properties.
    fn check_loose(&self, s: &Value, value: &Value, at: &str) -> Vec<String> {
        let s = self.resolve(s);
        if s.get("oneOf").is_some() || s.get("anyOf").is_some() || s.get("allOf").is_some() {
            return self.check(s, value, at);
        }
        let mut out = Vec::new();
        if let Some(t) = s.get("type") {
            let types: Vec<&str> = match t {
                Value::String(one) => vec![one.as_str()],
                Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !types.iter().any(|t| is_type(t, value)) {
                out.push(format!(
                    "{at}: expected {}, got {}",
                    types.join(" or "),
                    kind(value)
                ));
                return out;
            }
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            if !e.contains(value) && !value.is_null() {
                out.push(format!(
                    "{at}: {value} is not one of {}",
                    Value::Array(e.clone())
                ));
            }
        }
        if let Value::Object(obj) = value {
            for r in s
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = r.as_str().unwrap_or_default();
                if !obj.contains_key(name) {
                    out.push(format!("{at}.{name}: required, missing"));
                }
            }
            let props = s.get("properties").and_then(Value::as_object);
            for (k, v) in obj {
                match props.and_then(|p| p.get(k)) {
                    Some(ps) => out.extend(self.check(ps, v, &format!("{at}.{k}"))),
                    None => {
                        if let Some(extra) = s.get("additionalProperties").filter(|a| a.is_object())
                        {
                            out.extend(self.check(extra, v, &format!("{at}.{k}")));
                        }
                    }
                }
            }
        }
        if let (Value::Array(items), Some(item_schema)) = (value, s.get("items")) {
            // The first few rows say as much as all of them.
            for (i, v) in items.iter().enumerate().take(5) {
                out.extend(self.check(item_schema, v, &format!("{at}[{i}]")));
            }
        }
        out
    }
}

fn undeclared(props: &Map<String, Value>, value: &Value, at: &str) -> Vec<String> {
    let Value::Object(obj) = value else {
        return Vec::new();
    };
    obj.keys()
        .filter(|k| !props.contains_key(*k))
        .map(|k| format!("{at}.{k}: not in the document"))
        .collect()
}

fn is_type(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
