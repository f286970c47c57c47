//! Named objects flowlink does not hold (queues, users, skills, schedule and emergency
//! groups, prompts): `ToQueue`, `FindQueue`, `FindQueueById`, `ToUser`, `FindUserById`, … give
//! `{name}` or `{id}` objects, the form `lit: {name: X}` has in an Archy file, so actions and
//! the simulation input answer them by name (SPEC §9). Text that is already such an object
//! passes through.

use flowlink_model::expr::Function;
use serde_json::{json, Value};

use super::Args;
use crate::eval::EvalError;
use crate::value::V;

pub(super) fn call(mut args: Args<'_>) -> Result<V<'_>, EvalError> {
    use Function as F;
    let by_id = matches!(args.f, F::FindQueueById | F::FindUserById);
    match args.take(0) {
        v @ (V::Json(Value::Object(_)) | V::Owned(Value::Object(_))) => Ok(v),
        v => {
            let text = v
                .into_text()
                .ok_or_else(|| args.bad("argument 1 is NOT_SET"))?
                .into_owned();
            if text.is_empty() {
                // Nothing to find: Architect's look-ups answer NOT_SET.
                return Ok(V::NotSet);
            }
            Ok(V::Owned(if by_id {
                json!({ "id": text })
            } else {
                json!({ "name": text })
            }))
        }
    }
}
