//! `imdb-tui predict`: the probability that each review is positive.

use std::io::{self, BufRead, BufWriter, Write};

use anyhow::{Context, Result};

use super::args::PredictArgs;
use super::output::output_error;
use crate::i18n::{Lang, Msg};
use crate::model::io::{ModelError, SavedModel, load};

/// Characters of a review quoted in the note on a review without known
/// words.
const QUOTED_CHARS: usize = 30;

/// Prints, for each text (or each line of standard input), the probability
/// that it is a positive review and the word positive or negative in the
/// user's language. A review without any word of the vocabulary still gets
/// its line, and a note on standard error names it.
pub fn predict(args: &PredictArgs, lang: Lang) -> Result<()> {
    let model = load_model(args, lang)?;
    let positive = lang.text(&Msg::Positive);
    let negative = lang.text(&Msg::Negative);
    let stdout = io::stdout();
    let mut output = BufWriter::new(stdout.lock());
    let mut write_one = |number: usize, text: &str| -> Result<()> {
        let prediction = crate::predict::predict(&model.vocabulary, &model.network, text);
        let label = if prediction.probability > 0.5 {
            &positive
        } else {
            &negative
        };
        writeln!(output, "{:.4}\t{label}", prediction.probability)
            .map_err(|error| output_error(error, lang))?;
        if prediction.known_words == 0 {
            // Flushed first, so that in a terminal the note follows its line.
            output.flush().map_err(|error| output_error(error, lang))?;
            let start = quoted_start(text);
            eprintln!(
                "{}",
                lang.text(&Msg::ReviewWithoutKnownWords {
                    number,
                    start: &start
                })
            );
        }
        Ok(())
    };

    if args.texts.is_empty() {
        // Lines are read as bytes because reviews, like the dataset's, may
        // contain invalid UTF-8, which the tokenizer treats as a separator.
        for (index, line) in io::stdin().lock().split(b'\n').enumerate() {
            let mut line = line.with_context(|| lang.text(&Msg::ReviewUnreadable))?;
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            write_one(index + 1, &String::from_utf8_lossy(&line))?;
        }
    } else {
        for (index, text) in args.texts.iter().enumerate() {
            write_one(index + 1, text)?;
        }
    }
    output.flush().map_err(|error| output_error(error, lang))
}

/// Loads the model. When a file is missing, the message suggests saving to
/// the `--model` path itself, which names the weights.
fn load_model(args: &PredictArgs, lang: Lang) -> Result<SavedModel> {
    load(&args.model).map_err(|error| match error {
        ModelError::NotFound { path } => anyhow::anyhow!(lang.text(&Msg::ModelNotFound {
            path: &path.display().to_string(),
            weights: &args.model.display().to_string(),
        })),
        other => other.into(),
    })
}

/// Returns the first characters of `text` for a message on one line, with
/// control characters as spaces and `...` when it is cut.
fn quoted_start(text: &str) -> String {
    let mut start: String = text
        .trim()
        .chars()
        .take(QUOTED_CHARS)
        .map(|character| {
            if character.is_control() {
                ' '
            } else {
                character
            }
        })
        .collect();
    if text.trim().chars().count() > QUOTED_CHARS {
        start.truncate(start.trim_end().len());
        start.push_str("...");
    }
    start
}
