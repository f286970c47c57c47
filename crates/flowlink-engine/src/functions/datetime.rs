//! Date-time and duration functions, against the simulation clock (`now`): a simulated call
//! happens at one instant, so `GetCurrentDateTimeUtc()` and `Flow.StartDateTimeUtc` agree.
//! All DateTimes are UTC. `GetDayOfWeek` counts Sunday = 1 … Saturday = 7.
//! `MakeDuration(days, hours, minutes, seconds[, milliseconds])`.

use chrono::{Datelike, Duration as ChronoDuration, Months, NaiveDate, NaiveTime, Timelike};
use flowlink_model::expr::Function;

use super::Args;
use crate::eval::{Env, EvalError};
use crate::value::{ymd, V};

fn overflow(args: &Args<'_>) -> EvalError {
    args.bad("the result is out of the range of dates")
}

fn ms_of(args: &Args<'_>, i: usize, unit_ms: i64) -> Result<i64, EvalError> {
    match args.get(i) {
        V::Int(n) => n.checked_mul(unit_ms).ok_or_else(|| overflow(args)),
        _ => {
            let x = args.num(i)? * unit_ms as f64;
            if x.is_finite() && x.abs() < 9.0e15 {
                Ok(x.round() as i64)
            } else {
                Err(overflow(args))
            }
        }
    }
}

fn year(args: &Args<'_>) -> Result<i32, EvalError> {
    let n = args.int(0)?;
    i32::try_from(n).map_err(|_| args.bad(format!("year {n} is out of range")))
}

fn small(args: &Args<'_>, i: usize) -> Result<u32, EvalError> {
    let n = args.int(i)?;
    u32::try_from(n).map_err(|_| args.bad(format!("argument {} is out of range: {n}", i + 1)))
}

pub(super) fn call<'a>(args: Args<'a>, env: &Env<'a>) -> Result<V<'a>, EvalError> {
    use Function as F;
    Ok(match args.f {
        F::GetCurrentDateTimeUtc => V::DateTime(env.now().ok_or_else(|| {
            args.bad(
                "the simulation has no clock: give `now` (ISO-8601 UTC) in the simulation input",
            )
        })?),
        F::MakeDateTime => {
            let date = NaiveDate::from_ymd_opt(year(&args)?, small(&args, 1)?, small(&args, 2)?)
                .ok_or_else(|| args.bad("no such date"))?;
            let part = |i: usize| {
                if i < args.len() {
                    small(&args, i)
                } else {
                    Ok(0)
                }
            };
            let time = NaiveTime::from_hms_milli_opt(part(3)?, part(4)?, part(5)?, part(6)?)
                .ok_or_else(|| args.bad("no such time of day"))?;
            V::DateTime(date.and_time(time).and_utc())
        }
        F::MakeDate => V::Date(
            NaiveDate::from_ymd_opt(year(&args)?, small(&args, 1)?, small(&args, 2)?)
                .ok_or_else(|| args.bad("no such date"))?,
        ),
        F::MakeTime => {
            let seconds = if args.len() > 2 { small(&args, 2)? } else { 0 };
            V::Time(
                NaiveTime::from_hms_opt(small(&args, 0)?, small(&args, 1)?, seconds)
                    .ok_or_else(|| args.bad("no such time of day"))?,
            )
        }
        F::MakeDuration => {
            let mut total: i64 = 0;
            for (i, unit) in [86_400_000, 3_600_000, 60_000, 1000, 1]
                .into_iter()
                .enumerate()
            {
                if i < args.len() {
                    total = total
                        .checked_add(ms_of(&args, i, unit)?)
                        .ok_or_else(|| overflow(&args))?;
                }
            }
            V::Duration(total)
        }
        F::AddSeconds | F::AddMinutes | F::AddHours | F::AddDays => {
            let unit = match args.f {
                F::AddSeconds => 1000,
                F::AddMinutes => 60_000,
                F::AddHours => 3_600_000,
                _ => 86_400_000,
            };
            let dt = args.datetime(0)?;
            let ms = ms_of(&args, 1, unit)?;
            V::DateTime(
                ChronoDuration::try_milliseconds(ms)
                    .and_then(|delta| dt.checked_add_signed(delta))
                    .ok_or_else(|| overflow(&args))?,
            )
        }
        F::AddMonths | F::AddYears => {
            let dt = args.datetime(0)?;
            let n = args.int(1)?;
            let months = if args.f == F::AddYears {
                n.checked_mul(12)
            } else {
                Some(n)
            }
            .ok_or_else(|| overflow(&args))?;
            let magnitude =
                Months::new(u32::try_from(months.unsigned_abs()).map_err(|_| overflow(&args))?);
            let shifted = if months >= 0 {
                dt.checked_add_months(magnitude)
            } else {
                dt.checked_sub_months(magnitude)
            };
            V::DateTime(shifted.ok_or_else(|| overflow(&args))?)
        }
        F::DateTimeDiff => {
            let (a, b) = (args.datetime(0)?, args.datetime(1)?);
            V::Duration((a - b).num_milliseconds())
        }
        F::GetYear | F::GetMonth | F::GetDay | F::GetDayOfWeek | F::GetDayOfYear => {
            let date = args.date(0)?;
            let (y, m, d) = ymd(date);
            V::Int(match args.f {
                F::GetYear => y,
                F::GetMonth => m,
                F::GetDay => d,
                F::GetDayOfWeek => i64::from(date.weekday().number_from_sunday()),
                _ => i64::from(date.ordinal()),
            })
        }
        F::GetHour | F::GetMinute | F::GetSecond => {
            let time = args.time(0)?;
            V::Int(i64::from(match args.f {
                F::GetHour => time.hour(),
                F::GetMinute => time.minute(),
                _ => time.second(),
            }))
        }
        F::ToDateTime => V::DateTime(args.datetime(0)?),
        F::ToDate => V::Date(args.date(0)?),
        F::ToTime => V::Time(args.time(0)?),
        F::ToDuration => match args.get(0) {
            V::Int(seconds) => {
                V::Duration(seconds.checked_mul(1000).ok_or_else(|| overflow(&args))?)
            }
            _ => V::Duration(args.duration(0)?),
        },
        F::GetDurationTotalSeconds => V::Dec(args.duration(0)? as f64 / 1000.0),
        other => return Err(args.bad(format!("{} is not a date-time function", other.name()))),
    })
}
