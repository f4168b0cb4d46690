//! Command tokenising: any argv (NUL-separated words) and any script are split, classified and
//! searched for installs, wrappers and `cd` targets without a panic; indices stay in range.
#![no_main]

use adminlint::model::command::{
    cd_targets, installs_in, intent, parse_argv, parse_script, split_words, versioned_path,
    wrapper_of,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let argv: Vec<&str> = text.split('\0').collect();
    let line = parse_argv(&argv);
    for command in &line.commands {
        assert!(command.arg_index < argv.len().max(1), "{command:?}");
        let _ = wrapper_of(command);
    }
    let _ = intent(&line);
    for (index, _) in installs_in(&line) {
        assert!(index < line.commands.len());
    }
    for (index, target) in cd_targets(&line) {
        assert!(index < line.commands.len());
        let _ = versioned_path(&target);
    }
    for command in parse_script(text, 0) {
        assert!(!command.words.is_empty());
    }
    let _ = split_words(text);
    let _ = versioned_path(text);
});
