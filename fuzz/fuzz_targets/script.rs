//! Command scanners: arbitrary bytes as a shell script, a Makefile, a Procfile, a GitHub
//! workflow, a GitLab CI file, an `app.json`, a Justfile, a Taskfile, a CircleCI config or a
//! `heroku.yml` (the first byte picks which: `0` shell, `1` Makefile, `2` Procfile, `3` workflow,
//! `4` GitLab CI, `5` app.json, `6` Justfile, `7` Taskfile, `8` CircleCI, `9` heroku.yml) are
//! scanned without a panic, and every span a workload carries stays inside the text, on
//! character boundaries, as does every comment the lexer finds.
#![no_main]

use adminlint::manifest::script::{Source, extract_document, extract_text, lex};
use adminlint::span::{FileId, Span};
use libfuzzer_sys::fuzz_target;

const SOURCES: [(Source, &str); 10] = [
    (Source::Shell, "deploy.sh"),
    (Source::Makefile, "Makefile"),
    (Source::Procfile, "Procfile"),
    (Source::GithubWorkflow, ".github/workflows/deploy.yml"),
    (Source::GitlabCi, ".gitlab-ci.yml"),
    (Source::AppJson, "app.json"),
    (Source::Justfile, "justfile"),
    (Source::Taskfile, "Taskfile.yml"),
    (Source::CircleCi, ".circleci/config.yml"),
    (Source::HerokuYml, "heroku.yml"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (source, _) = SOURCES[usize::from(pick.wrapping_sub(b'0')) % SOURCES.len()];
    let workloads = if source.is_yaml() {
        let parsed = adminlint::yaml::parse(text, &adminlint::yaml::Limits::default());
        parsed
            .documents
            .iter()
            .flat_map(|d| extract_document(source, &parsed.tree, d, FileId(0), text))
            .collect()
    } else {
        extract_text(source, FileId(0), text)
    };
    let inside = |span: Span| {
        let range = span.range();
        assert!(text.get(range.clone()).is_some(), "{range:?} of {}", text.len());
    };
    for workload in &workloads {
        inside(workload.span);
        for container in &workload.containers {
            inside(container.span);
            container.image.iter().for_each(|i| inside(i.span));
            container.argv().iter().for_each(|w| inside(w.span));
            container.config.iter().for_each(|c| inside(c.span));
            container.env.iter().for_each(|e| inside(e.span));
        }
    }
    let lexed = lex(text);
    for comment in &lexed.comments {
        assert!(text.get(comment.range()).is_some());
    }
    for job in &lexed.deleted_jobs {
        assert!(!job.is_empty() && !job.contains(['$', '`', '{']), "{job:?}");
    }
});
