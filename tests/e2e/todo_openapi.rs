//! The todo service's OpenAPI document agrees with what the service enforces (Schemathesis in
//! CI relies on it), and query strings are read one way only.

use crate::support::todo_world::world;
use reqwest::Method;
use serde_json::Value;

/// The document's constraints are the parsers' own, so a schema-driven client (and
/// Schemathesis in CI) never sends what the document allows and the service refuses:
/// every `colour` enum is the palette, and the paging bounds are the ones enforced.
#[tokio::test]
async fn openapi_constraints_match_what_the_service_accepts() {
    let w = world().await;
    let (_, doc) = w.app.call(Method::GET, "/openapi.json", None, None).await;
    let (_, palette) = w.app.call(Method::GET, "/api/palette", None, None).await;
    let names: Vec<Value> = palette["colours"]
        .as_array()
        .expect("colours")
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let mut colours = 0;
    for (name, schema) in schemas {
        if let Some(colour) = schema["properties"].get("colour") {
            assert_eq!(colour["enum"].as_array(), Some(&names), "{name}.colour");
            colours += 1;
        }
    }
    assert!(
        colours >= 3,
        "NewCourse, CoursePatch and Course name a colour"
    );

    let token = w.alice.clone();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        let Some(get) = ops.get("get") else { continue };
        let params = get["parameters"].as_array().cloned().unwrap_or_default();
        // The required parameters, at their documented examples.
        let required: String = params
            .iter()
            .filter(|p| p["required"] == true && p["in"] == "query")
            .map(|p| {
                format!(
                    "&{}={}",
                    p["name"].as_str().unwrap_or_default(),
                    p["schema"]["example"].as_str().unwrap_or_default()
                )
            })
            .collect();
        for p in &params {
            if p["name"] == "offset" && !path.contains('{') {
                let max = p["schema"]["maximum"]
                    .as_i64()
                    .expect("offset has a maximum");
                let at_max = format!("{path}?offset={max}{required}");
                let (ok, body) = w.app.get(&at_max, &token).await;
                assert_eq!(ok, 200, "GET {at_max}: {body}");
                let over = format!("{path}?offset={}{required}", max + 1);
                let (status, _) = w.app.get(&over, &token).await;
                assert_eq!(status, 422, "GET {over}");
            }
        }
    }
}

/// A query parameter given twice is refused, not resolved by whichever copy comes last.
#[tokio::test]
async fn a_repeated_query_parameter_is_refused() {
    let w = world().await;
    let (status, body) = w
        .app
        .get("/api/courses/search?limit=5&limit=90", &w.alice)
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "limit");
    let (status, _) = w.app.get("/api/courses/search?limit=5", &w.alice).await;
    assert_eq!(status, 200);
}
