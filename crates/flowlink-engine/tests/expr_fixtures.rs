//! Expression fixtures: one file a case in `expr_fixtures/`, one named test per file
//! (`cargo test -p flowlink-engine --test expr_fixtures string_left_right`). A case is an Archy
//! expression, the context it runs in (variables, simulated call, clock) and the stored JSON it
//! must give, or the runtime error it must fail with:
//! `{description, expression, context?, expect} | {description, expression, context?, error}`.
//! Adding a case is adding a file and its name to the list below; a test checks the list and
//! the folder agree.

use std::path::{Path, PathBuf};

use flowlink_engine::{evaluate, ExprContext};
use flowlink_model::archy::expr::parse_archy_expression;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[allow(dead_code)]
    description: String,
    expression: String,
    #[serde(default)]
    context: ExprContext,
    #[serde(default)]
    expect: Option<Value>,
    #[serde(default)]
    error: Option<String>,
}

fn dir() -> PathBuf {
    Path::new(
        &std::env::var_os("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("tests/expr_fixtures")
}

/// Numbers compare by value (`16` and `16.0` are the same Decimal result).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn run(name: &str) {
    let path = dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let case: Case =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let expr = parse_archy_expression(&case.expression)
        .unwrap_or_else(|e| panic!("{name}: `{}` does not parse: {e}", case.expression));
    let result = evaluate(&expr, &case.context);
    match (&case.expect, &case.error, result) {
        (_, Some(wanted), Err(e)) => assert_eq!(e.message, *wanted, "{name}: error"),
        (_, Some(wanted), Ok(v)) => panic!("{name}: expected the error {wanted:?}, got {v}"),
        (Some(wanted), None, Ok(v)) => {
            assert!(same(&v, wanted), "{name}: expected {wanted}, got {v}")
        }
        (None, None, Ok(v)) => assert_eq!(v, Value::Null, "{name}: expected NOT_SET (null)"),
        (_, None, Err(e)) => panic!("{name}: `{}` failed: {}", case.expression, e.message),
    }
}

macro_rules! fixtures {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run(stringify!($name));
            }
        )*

        const LISTED: &[&str] = &[$(stringify!($name)),*];
    };
}

#[test]
fn every_fixture_file_is_listed_and_every_listed_file_exists() {
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .expect("tests/expr_fixtures exists")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .map(str::to_owned)
        })
        .collect();
    files.sort();
    let mut listed: Vec<String> = LISTED.iter().map(|s| (*s).to_owned()).collect();
    listed.sort();
    assert_eq!(
        files, listed,
        "tests/expr_fixtures and the list in expr_fixtures.rs differ"
    );
    println!("{} expression fixtures", files.len());
}

fixtures! {
    logic_if_chooses_branch,
    logic_if_is_lazy,
    logic_if_not_set_condition_fails,
    logic_isset_guard_idiom,
    logic_isnotsetorempty_empty_string,
    logic_isnotsetorempty_empty_collection,
    logic_isnotset,
    logic_areequal,
    logic_and_short_circuits,
    logic_or_short_circuits,
    logic_or_uppercase_keywords,
    logic_and_not_set_fails,
    notset_equals_itself,
    notset_tostring_stays_notset,
    notset_conversion_propagates,
    notset_member_propagates,
    notset_missing_property,
    notset_arithmetic_fails,
    notset_refused_by_string_function,
    notset_append_skips,
    notset_todisplaystring_empty,
    notset_lookup_propagates,
    notset_comparison_fails,
    op_precedence,
    op_subtraction,
    op_division_gives_decimal,
    op_division_by_zero,
    op_modulo,
    op_integer_overflow,
    op_concatenation,
    op_unary_minus,
    op_string_comparison,
    op_mixed_number_equality,
    op_string_vs_integer_fails,
    op_index,
    op_index_out_of_range,
    op_index_then_member,
    op_collection_literal,
    op_member_case_insensitive,
    builtin_call_ani,
    builtin_call_called_address,
    builtin_conversation_id,
    builtin_language,
    builtin_start_time_is_now,
    builtin_unknown_is_not_set,
    builtin_format_constant,
    string_append,
    string_contains,
    string_contains_lower,
    string_findstring,
    string_findstringreverse,
    string_left_right,
    string_substring,
    string_substring_past_end,
    string_replace,
    string_trim,
    string_lower_upper,
    string_starts_ends,
    string_split,
    string_length,
    string_length_notset,
    string_isnumeric,
    string_escapes,
    number_abs_round,
    number_floor_ceiling_truncate,
    number_min_max,
    number_sum_average,
    number_toint_arithmetic,
    number_toint_of_division,
    conversion_toint_text,
    conversion_toint_bad_text,
    conversion_todecimal,
    conversion_tobool,
    conversion_tostring_join,
    conversion_todisplaystring_collection,
    conversion_tophonenumber_e164,
    conversion_jsonparse_property,
    conversion_json_member,
    conversion_jsonparse_invalid,
    conversion_json_contains_key,
    conversion_makecommunication,
    conversion_named_objects,
    datetime_now,
    datetime_no_clock,
    datetime_addhours_negative,
    datetime_add_units,
    datetime_add_months_clamps,
    datetime_add_years,
    datetime_diff_vs_duration,
    datetime_diff_is_duration,
    datetime_parts,
    datetime_day_of_week,
    datetime_compare,
    datetime_plus_duration,
    datetime_offset_to_utc,
    datetime_bad_text,
    datetime_make_date_time,
    datetime_invalid_date,
    duration_make,
    duration_compare_and_add,
    duration_total_seconds,
    duration_todurations,
    collection_count_getat,
    collection_count_notset,
    collection_getat_out_of_range,
    collection_findfirst,
    collection_findfirst_absent,
    collection_additem,
    collection_additem_notset,
    collection_makelist_pairs,
    collection_contains,
    collection_setat_distinct_reverse_sort_slice,
    collection_append_collections,
    collection_literal_equality,
    audio_tts,
    audio_playback_options,
    audio_duration,
    audio_append_text,
    audio_prompt,
    audio_blank_negative,
    audio_stored_variable_replays,
    audio_prompt_reference,
    audio_bool,
    vars_task_and_state,
    vars_names_ignore_case,
    vars_common_module,
}
