//! Checks that the Chinese README keeps in step with the English one: the
//! same number of sections, the same commands, and links to each other.

#![allow(clippy::unwrap_used)]

const ENGLISH: &str = include_str!("../README.md");
const CHINESE: &str = include_str!("../README.zh-CN.md");

fn section_count(readme: &str) -> usize {
    readme
        .lines()
        .filter(|line| line.starts_with("## "))
        .count()
}

/// Returns the lines of the `sh` code blocks without their trailing
/// comments, because the Chinese README translates those.
fn commands(readme: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut inside = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            inside = line == "```sh";
            continue;
        }
        if inside {
            let command = line.split(" #").next().unwrap().trim_end();
            commands.push(command.to_owned());
        }
    }
    commands
}

#[test]
fn readmes_link_to_each_other() {
    assert_eq!(ENGLISH.lines().next(), Some("[简体中文](README.zh-CN.md)"));
    assert_eq!(CHINESE.lines().next(), Some("[English](README.md)"));
}

#[test]
fn readmes_have_same_sections() {
    assert_eq!(section_count(ENGLISH), section_count(CHINESE));
}

#[test]
fn chinese_readme_has_every_command() {
    let chinese = commands(CHINESE);
    for command in commands(ENGLISH) {
        assert!(
            chinese.contains(&command),
            "README.zh-CN.md lacks the command {command:?}"
        );
    }
}

#[test]
fn chinese_readme_shows_chinese_screenshot() {
    assert!(CHINESE.contains("](screenshots/dashboard-zh.png)"));
}

#[test]
fn readmes_install_binary_before_using_it() {
    for (name, readme) in [("README.md", ENGLISH), ("README.zh-CN.md", CHINESE)] {
        let commands = commands(readme);
        let install = commands
            .iter()
            .position(|command| command == "cargo install --path .");
        let first_use = commands
            .iter()
            .position(|command| command.contains("imdb-tui "));
        assert!(install.is_some(), "{name} never installs imdb-tui");
        assert!(
            install < first_use,
            "{name} runs imdb-tui before it installs it"
        );
    }
}
