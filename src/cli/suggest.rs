//! The `imdb-tui train` command lines that `train` suggests at its end,
//! written so that copying one runs the same experiment again.

use std::path::Path;

use crate::train::{Allowed, Field, RunKind, Settings};

/// Builds the command that trains `settings` again as a run of `kind` for
/// `epochs` epochs. It names every setting that differs from the classic
/// recipe, and the dataset when `--data` gave it. A final run holds out no
/// validation reviews, so its command leaves `--validation-size` out.
pub fn train_command(
    settings: &Settings,
    data: Option<&Path>,
    kind: RunKind,
    epochs: usize,
) -> String {
    let defaults = Settings::default();
    let mut words = vec!["imdb-tui".to_owned(), "train".to_owned()];
    if kind == RunKind::Final {
        words.push("--full".to_owned());
    }
    words.push("--epochs".to_owned());
    words.push(epochs.to_string());
    for field in Field::ALL {
        let skipped =
            field == Field::Epochs || (kind == RunKind::Final && field == Field::ValidationSize);
        let value = settings.text(field);
        if skipped || value == defaults.text(field) {
            continue;
        }
        words.push(field.option().to_owned());
        words.push(value);
    }
    if let Some(path) = data {
        words.push("--data".to_owned());
        words.push(shell_quoted(&path.to_string_lossy()));
    }
    words.join(" ")
}

/// Returns the epochs to suggest when validation loss was still falling
/// after `epochs`: twice as many, within the range `--epochs` allows.
pub fn more_epochs(epochs: usize) -> usize {
    let max = match Field::Epochs.allowed() {
        Allowed::Whole { max, .. } => usize::try_from(max).unwrap_or(usize::MAX),
        _ => usize::MAX,
    };
    epochs.saturating_mul(2).min(max)
}

/// Quotes `word` for a POSIX shell when it contains anything but letters,
/// digits and `_ - . / + , : = @ %`.
fn shell_quoted(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./+,:=@%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(values: &[(Field, &str)]) -> Settings {
        let mut settings = Settings::default();
        for (field, value) in values {
            settings.set(*field, value).unwrap();
        }
        settings
    }

    #[test]
    fn defaults_give_short_command() {
        let command = train_command(&Settings::default(), None, RunKind::Final, 4);
        assert_eq!(command, "imdb-tui train --full --epochs 4");
    }

    #[test]
    fn every_changed_setting_is_named() {
        let settings = settings(&[
            (Field::HiddenLayers, "3"),
            (Field::Units, "64"),
            (Field::Activation, "tanh"),
            (Field::Loss, "mse"),
            (Field::Optimizer, "adam"),
            (Field::LearningRate, "0.01"),
            (Field::BatchSize, "128"),
            (Field::ValidationSize, "5000"),
            (Field::VocabSize, "20000"),
            (Field::Dropout, "0.5"),
            (Field::L2, "0.001"),
            (Field::Epochs, "9"),
            (Field::Seed, "42"),
        ]);
        let command = train_command(&settings, Some(Path::new("d/a.tar.gz")), RunKind::Final, 4);
        assert_eq!(
            command,
            "imdb-tui train --full --epochs 4 --layers 3 --units 64 --activation tanh \
             --loss mse --optimizer adam --learning-rate 0.01 --batch-size 128 \
             --vocab 20000 --dropout 0.5 --l2 0.001 --seed 42 --data d/a.tar.gz"
        );
    }

    #[test]
    fn exploration_keeps_validation_size() {
        let settings = settings(&[(Field::ValidationSize, "5000")]);
        let command = train_command(&settings, None, RunKind::Exploration, 40);
        assert_eq!(command, "imdb-tui train --epochs 40 --validation-size 5000");
    }

    #[test]
    fn default_value_typed_is_left_out() {
        let settings = settings(&[(Field::LearningRate, "0.0010"), (Field::Units, "16")]);
        let command = train_command(&settings, None, RunKind::Final, 2);
        assert_eq!(command, "imdb-tui train --full --epochs 2");
    }

    #[test]
    fn data_path_with_spaces_quoted() {
        let path = Path::new("my data/it's.tar.gz");
        let command = train_command(&Settings::default(), Some(path), RunKind::Final, 1);
        assert!(
            command.ends_with(r"--data 'my data/it'\''s.tar.gz'"),
            "{command}"
        );
    }

    #[test]
    fn more_epochs_doubles_within_range() {
        assert_eq!(more_epochs(3), 6);
        assert_eq!(more_epochs(150), 200);
    }
}
