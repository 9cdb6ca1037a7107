//! `imdb-tui predict`: the probability that each review is positive.

use std::io::{self, BufRead, BufWriter, Write};

use anyhow::{Context, Result};

use super::args::PredictArgs;
use crate::model::io::load;

/// Prints, for each text (or each line of standard input), the probability
/// that it is a positive review and the word positive or negative.
pub fn predict(args: &PredictArgs) -> Result<()> {
    let model = load(&args.model)?;
    let stdout = io::stdout();
    let mut output = BufWriter::new(stdout.lock());
    let mut write_one = |text: &str| -> Result<()> {
        let prediction = crate::predict::predict(&model.vocabulary, &model.network, text);
        let label = if prediction.probability > 0.5 {
            "positive"
        } else {
            "negative"
        };
        writeln!(output, "{:.4}\t{label}", prediction.probability)?;
        Ok(())
    };

    if args.texts.is_empty() {
        for line in io::stdin().lock().lines() {
            write_one(&line.context("failed to read a review from standard input")?)?;
        }
    } else {
        for text in &args.texts {
            write_one(text)?;
        }
    }
    output.flush()?;
    Ok(())
}
