//! Collection functions: `Count`, `GetAt`, `SetAt`, `FindFirst`, `FindLast`, `AddItem`,
//! `MakeList`, `Distinct`, `Reverse`, `Sort`, `Slice`, `MakeListAgentScorePair`. Indexes are
//! 0-based; `FindFirst`/`FindLast` answer -1 when the item is absent; an unset collection is
//! an empty one. Functions that change a collection return a new one.

use flowlink_model::expr::Function;
use serde_json::json;

use super::Args;
use crate::eval::{at, equals, order, EvalError};
use crate::value::V;

fn index_of(items: &[V<'_>], item: &V<'_>, last: bool) -> i64 {
    let found = |v: &V<'_>| equals(v, item) == Some(true);
    let at = if last {
        items.iter().rposition(found)
    } else {
        items.iter().position(found)
    };
    at.map_or(-1, |i| i as i64)
}

fn owned_items(args: &Args<'_>, i: usize) -> Result<Vec<V<'static>>, EvalError> {
    Ok(args.items(i)?.into_iter().map(V::into_owned).collect())
}

pub(super) fn call(mut args: Args<'_>) -> Result<V<'_>, EvalError> {
    use Function as F;
    Ok(match args.f {
        F::Count => V::Int(args.items(0)?.len() as i64),
        F::GetAt => {
            let collection = args.take(0);
            let index = args.take(1);
            at(collection, index).map_err(|e| args.bad(e.to_string()))?
        }
        F::SetAt => {
            let mut items = owned_items(&args, 0)?;
            let i = args.int(1)?;
            let len = items.len();
            let slot = usize::try_from(i)
                .ok()
                .filter(|i| *i < len)
                .ok_or_else(|| args.bad(format!("index {i} is out of range ({len} items)")))?;
            items[slot] = args.take(2).into_owned();
            V::List(items)
        }
        F::FindFirst | F::FindLast => {
            let items = args.items(0)?;
            V::Int(index_of(&items, args.get(1), args.f == F::FindLast))
        }
        F::AddItem => {
            let mut items = owned_items(&args, 0)?;
            items.push(args.take(1).into_owned());
            V::List(items)
        }
        F::MakeList => V::List(std::mem::take(&mut args.v)),
        F::Distinct => {
            let mut out: Vec<V<'static>> = Vec::new();
            for item in owned_items(&args, 0)? {
                if index_of(&out, &item, false) < 0 {
                    out.push(item);
                }
            }
            V::List(out)
        }
        F::Reverse => {
            let mut items = owned_items(&args, 0)?;
            items.reverse();
            V::List(items)
        }
        F::Sort => {
            let mut items = owned_items(&args, 0)?;
            for pair in items.windows(2) {
                if order(&pair[0], &pair[1]).is_none() {
                    return Err(args.bad(format!(
                        "cannot order {} and {}",
                        pair[0].type_name(),
                        pair[1].type_name()
                    )));
                }
            }
            items.sort_by(|a, b| order(a, b).unwrap_or(std::cmp::Ordering::Equal));
            V::List(items)
        }
        F::Slice => {
            let items = owned_items(&args, 0)?;
            let len = items.len() as i64;
            let start = args.int(1)?.clamp(0, len);
            let end = if args.len() > 2 {
                args.int(2)?.clamp(start, len)
            } else {
                len
            };
            V::List(
                items
                    .into_iter()
                    .skip(start as usize)
                    .take((end - start) as usize)
                    .collect(),
            )
        }
        F::MakeListAgentScorePair => {
            let agents = owned_items(&args, 0)?;
            let scores = owned_items(&args, 1)?;
            if agents.len() != scores.len() {
                return Err(args.bad(format!(
                    "{} agents but {} scores: the lists must be as long",
                    agents.len(),
                    scores.len()
                )));
            }
            V::List(
                agents
                    .into_iter()
                    .zip(scores)
                    .map(|(agent, score)| {
                        V::Owned(json!({"agent": agent.into_json(), "score": score.into_json()}))
                    })
                    .collect(),
            )
        }
        other => return Err(args.bad(format!("{} is not a collection function", other.name()))),
    })
}
