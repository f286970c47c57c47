//! Audio: `ToAudioTTS`, `ToAudioBlank(ms)`, `ToAudio(prompt)`, `ToAudioNumber`,
//! `ToAudioDigits`, `ToAudioDuration`, `ToAudioDateTime`, `ToAudioBool` and `AudioPlaybackOptions(audio,
//! bargeIn)`; `Append` joins audio (see `string`). What would be spoken is kept as text so the
//! trace can show it (`Audio::text`).

use flowlink_model::expr::Function;
use serde_json::Value;

use super::Args;
use crate::eval::EvalError;
use crate::value::{format_datetime, Audio, AudioPart, V};

fn spoken(text: String) -> V<'static> {
    V::Audio(Audio {
        parts: vec![AudioPart::Tts(text)],
        barge_in: None,
    })
}

/// A duration as words: "1 hour 2 minutes 3 seconds" (zero parts left out; "0 seconds").
fn duration_words(ms: i64) -> String {
    let total = ms.unsigned_abs() / 1000;
    let parts = [
        (total / 86_400, "day"),
        (total % 86_400 / 3600, "hour"),
        (total % 3600 / 60, "minute"),
        (total % 60, "second"),
    ];
    let words: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if words.is_empty() {
        "0 seconds".into()
    } else {
        words.join(" ")
    }
}

pub(super) fn call(args: Args<'_>) -> Result<V<'_>, EvalError> {
    use Function as F;
    Ok(match args.f {
        F::ToAudioTTS => spoken(args.text(0)?.into_owned()),
        F::ToAudioBlank => {
            let ms = args.int(0)?;
            if ms < 0 {
                return Err(args.bad(format!("a pause cannot be negative ({ms} ms)")));
            }
            V::Audio(Audio {
                parts: vec![AudioPart::Blank(ms)],
                barge_in: None,
            })
        }
        F::ToAudio => {
            let name = match args.get(0) {
                V::Json(Value::Object(o)) | V::Owned(Value::Object(o)) => o
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| args.bad("the prompt has no name"))?,
                V::Audio(a) => return Ok(V::Audio(a.clone())),
                _ => args.text(0)?.into_owned(),
            };
            V::Audio(Audio {
                parts: vec![AudioPart::Prompt(name)],
                barge_in: None,
            })
        }
        F::ToAudioNumber => match args.get(0) {
            V::Int(_) | V::Dec(_) => spoken(args.text(0)?.into_owned()),
            other => {
                return Err(args.bad(format!(
                    "argument 1 must be a number, found {}",
                    other.type_name()
                )))
            }
        },
        F::ToAudioDigits => {
            let text = args.text(0)?;
            let digits: Vec<String> = text
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(String::from)
                .collect();
            spoken(digits.join(" "))
        }
        F::ToAudioDuration => spoken(duration_words(args.duration(0)?)),
        F::ToAudioDateTime => spoken(format_datetime(&args.datetime(0)?)),
        F::ToAudioBool => spoken(if args.boolean(0)? { "true" } else { "false" }.to_owned()),
        F::AudioPlaybackOptions => {
            let mut audio = args.audio(0)?;
            audio.barge_in = Some(args.boolean(1)?);
            V::Audio(audio)
        }
        other => return Err(args.bad(format!("{} is not an audio function", other.name()))),
    })
}

#[cfg(test)]
mod tests {
    use super::duration_words;

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration_words(0), "0 seconds");
        assert_eq!(duration_words(61_000), "1 minute 1 second");
        assert_eq!(
            duration_words(93_784_000),
            "1 day 2 hours 3 minutes 4 seconds"
        );
    }
}
