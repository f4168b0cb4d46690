//! The evaluator: executes parsed nodes against a dot value, writing output pieces, with Go's
//! scoping of variables, truthiness, `range` order, and Helm's budgets.

use std::sync::Arc;

use super::format;
use super::funcs;
use super::parse::{self, BranchKind, List, Node, Number, Pipe, Spans, Term};
use super::pieces::Out;
use super::shared::SharedMaps;
use super::value::{MAX_VALUE_DEPTH, Value, ValueKind};
use super::work;
use super::{Budget, Limits, TemplateError, TemplateErrorKind, TemplateSet};
use crate::span::Span;

/// Deepest nesting of lists and pipelines in one render (across `include`s): enough for any
/// real chart, and small enough for a 2 MiB thread stack.
const MAX_FRAMES: usize = 200;

/// What a list of nodes ended with.
enum Flow {
    Normal,
    Break,
    Continue,
}

/// Variables in scope, innermost last (`$` first).
type Variables = Vec<(Arc<str>, Value)>;

/// One render's state: budgets spent, nesting, and where output is attributed.
pub(super) struct Exec<'a> {
    set: &'a TemplateSet,
    limits: Limits,
    steps: u64,
    /// Bytes of text built so far (output, and strings built on the way).
    built: usize,
    /// Nesting of `template` / `include` / `tpl`.
    depth: usize,
    /// Nesting of lists and pipelines being evaluated, across template calls: the evaluator
    /// recurses over it, so it is bounded to keep the stack small.
    frames: usize,
    /// While below the rendered template: the action of the rendered template that called in.
    top: Option<Span>,
    /// The action being executed: the piece a function's new text belongs to.
    pub(super) action: Span,
    /// Templates defined by texts given to `tpl` in this render.
    local_defines: Vec<(Arc<str>, Arc<List>)>,
    /// The maps changed in place so far (Go maps are references).
    shared: SharedMaps,
}

/// An error at `span`.
pub(super) fn exec_error(span: Span, message: impl Into<String>) -> TemplateError {
    TemplateError::new(span, TemplateErrorKind::Exec, message)
}

impl<'a> Exec<'a> {
    pub(super) fn new(set: &'a TemplateSet) -> Self {
        work::start(set.limits.max_steps, set.limits.max_output);
        Exec {
            set,
            limits: set.limits,
            steps: 0,
            built: 0,
            depth: 0,
            frames: 0,
            top: None,
            action: Span::default(),
            local_defines: Vec::new(),
            shared: SharedMaps::default(),
        }
    }

    /// A value read as it is now: a map changed in place (`set`) is read changed.
    pub(super) fn current(&self, value: Value) -> Value {
        self.shared.current(value)
    }

    /// Execute a template's nodes with `dot` as `.` and `$`.
    pub(super) fn run(&mut self, list: &List, dot: &Value) -> Result<Out, TemplateError> {
        let mut variables = vec![(Arc::from("$"), dot.clone())];
        let mut out = Out::default();
        self.list(list, dot, &mut variables, &mut out)?;
        Ok(out)
    }

    /// Spend one evaluation step.
    pub(super) fn step(&mut self, span: Span) -> Result<(), TemplateError> {
        self.steps += 1;
        if self.steps.saturating_add(work::done()) > self.limits.max_steps {
            return Err(TemplateError::new(
                span,
                TemplateErrorKind::Limit(Budget::Steps),
                format!(
                    "the template took more than {} evaluation steps (limit max_steps)",
                    self.limits.max_steps
                ),
            ));
        }
        Ok(())
    }

    /// Spend `count` evaluation steps at once (a sequence about to be built).
    pub(super) fn spend(&mut self, count: u64, span: Span) -> Result<(), TemplateError> {
        self.steps = self.steps.saturating_add(count.saturating_sub(1));
        self.step(span)
    }

    /// Account for `bytes` more bytes of built text.
    pub(super) fn charge(&mut self, bytes: usize, span: Span) -> Result<(), TemplateError> {
        self.built = self.built.saturating_add(bytes);
        if self.built > self.limits.max_output {
            return Err(TemplateError::new(
                span,
                TemplateErrorKind::Limit(Budget::Output),
                format!(
                    "the template wrote more than {} bytes (limit max_output)",
                    self.limits.max_output
                ),
            ));
        }
        Ok(())
    }

    /// The largest string a function may still build.
    pub(super) fn room(&self) -> usize {
        self.limits.max_output.saturating_sub(self.built)
    }

    fn enter(&mut self, span: Span) -> Result<(), TemplateError> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(TemplateError::new(
                span,
                TemplateErrorKind::Limit(Budget::Depth),
                format!(
                    "templates nested more than {} deep (limit max_depth): include, template or tpl recursion",
                    self.limits.max_depth
                ),
            ));
        }
        Ok(())
    }

    fn list(
        &mut self,
        list: &List,
        dot: &Value,
        variables: &mut Variables,
        out: &mut Out,
    ) -> Result<Flow, TemplateError> {
        self.frame(self.action)?;
        let mut flow = Ok(Flow::Normal);
        for node in list {
            match self.node(node, dot, variables, out) {
                Ok(Flow::Normal) => {}
                other => {
                    flow = other;
                    break;
                }
            }
        }
        self.frames -= 1;
        flow
    }

    /// Enter one more list or pipeline (see [`Exec::frames`]).
    fn frame(&mut self, span: Span) -> Result<(), TemplateError> {
        self.frames += 1;
        if self.frames > MAX_FRAMES {
            self.frames -= 1;
            return Err(TemplateError::new(
                span,
                TemplateErrorKind::Limit(Budget::Depth),
                format!("templates nested more than {MAX_FRAMES} blocks deep (limit max_depth)"),
            ));
        }
        Ok(())
    }

    fn node(
        &mut self,
        node: &Node,
        dot: &Value,
        variables: &mut Variables,
        out: &mut Out,
    ) -> Result<Flow, TemplateError> {
        match node {
            Node::Text {
                text,
                span,
                verbatim,
            } => {
                self.step(*span)?;
                self.charge(text.len(), *span)?;
                out.push(text, self.top.unwrap_or(*span), *span, *verbatim, None);
            }
            Node::Action { span, pipe } => {
                self.step(*span)?;
                self.action = *span;
                let value = self.pipe(pipe, dot, variables)?;
                if pipe.variables.is_empty() {
                    self.write(&value, *span, out)?;
                }
            }
            Node::Branch {
                kind,
                span,
                pipe,
                then,
                otherwise,
            } => {
                self.step(*span)?;
                self.action = *span;
                let mark = variables.len();
                let value = self.pipe(pipe, dot, variables)?;
                let flow = if value.truthy() {
                    let inner_dot = if *kind == BranchKind::With {
                        &value
                    } else {
                        dot
                    };
                    self.list(then, inner_dot, variables, out)?
                } else if let Some(otherwise) = otherwise {
                    self.list(otherwise, dot, variables, out)?
                } else {
                    Flow::Normal
                };
                variables.truncate(mark);
                return Ok(flow);
            }
            Node::Range {
                span,
                pipe,
                body,
                otherwise,
            } => {
                self.step(*span)?;
                self.action = *span;
                return self.range(*span, pipe, body, otherwise.as_ref(), dot, variables, out);
            }
            Node::Template { span, name, pipe } => {
                self.step(*span)?;
                self.action = *span;
                let inner_dot = match pipe {
                    Some(pipe) => self.pipe(pipe, dot, variables)?,
                    None => Value::absent(),
                };
                let outer_top = self.top;
                self.top = Some(self.top.unwrap_or(*span));
                let result = self.call_define(name, &inner_dot, *span, out);
                self.top = outer_top;
                result?;
            }
            Node::Break(span) => {
                self.step(*span)?;
                return Ok(Flow::Break);
            }
            Node::Continue(span) => {
                self.step(*span)?;
                return Ok(Flow::Continue);
            }
        }
        Ok(Flow::Normal)
    }

    /// Print a pipeline's value at `action`.
    fn write(&mut self, value: &Value, action: Span, out: &mut Out) -> Result<(), TemplateError> {
        let deep;
        let value = if self.shared.is_empty() {
            value
        } else {
            deep = self.shared.deep(value.clone());
            &deep
        };
        let text = format::print_value(value);
        self.charge(text.len(), action)?;
        out.push_value(&text, value, self.top.unwrap_or(action), action);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn range(
        &mut self,
        span: Span,
        pipe: &Pipe,
        body: &List,
        otherwise: Option<&List>,
        dot: &Value,
        variables: &mut Variables,
        out: &mut Out,
    ) -> Result<Flow, TemplateError> {
        let mark = variables.len();
        // The declared names are bound per iteration, not to the ranged value.
        let mut expression = pipe.clone();
        let names = std::mem::take(&mut expression.variables);
        let value = self.pipe(&expression, dot, variables)?;
        let items: Vec<(Value, Value)> = match value.kind() {
            ValueKind::Nil => Vec::new(),
            ValueKind::List(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| (Value::int(i as i64), item.clone()))
                .collect(),
            ValueKind::Map(map) => map
                .iter()
                .map(|(k, v)| (Value::string(k.as_str()), v.clone()))
                .collect(),
            ValueKind::ApiVersions(versions) => versions
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::int(i as i64), Value::string(v.as_str())))
                .collect(),
            // `range $path, $bytes := .Files.Glob "files/*"`: each path with its contents.
            ValueKind::Files(files) => files
                .iter()
                .map(|(path, entry)| {
                    let text = String::from_utf8_lossy(&entry.bytes);
                    (Value::string(path), Value::string(&*text))
                })
                .collect(),
            ValueKind::Int(n) => {
                // Go 1.22: `range 5` counts 0..5; the budget is checked before building the list.
                let n = (*n).max(0) as u64;
                if n > self.limits.max_steps.saturating_sub(self.steps) {
                    return Err(TemplateError::new(
                        span,
                        TemplateErrorKind::Limit(Budget::Steps),
                        format!(
                            "range over {n} items exceeds the evaluation budget (limit max_steps)"
                        ),
                    ));
                }
                (0..n as i64)
                    .map(|i| (Value::int(i), Value::int(i)))
                    .collect()
            }
            _ => {
                return Err(exec_error(
                    span,
                    format!("range can't iterate over {}", format::v(&value)),
                ));
            }
        };
        if items.is_empty() {
            let flow = match otherwise {
                Some(list) => self.list(list, dot, variables, out)?,
                None => Flow::Normal,
            };
            variables.truncate(mark);
            return Ok(flow);
        }
        let is_int_range = matches!(value.kind(), ValueKind::Int(_));
        for (key, item) in items {
            self.step(span)?;
            variables.truncate(mark);
            match names.len() {
                1 if is_int_range => variables.push((names[0].clone(), key.clone())),
                1 => variables.push((names[0].clone(), item.clone())),
                2 => {
                    variables.push((names[0].clone(), key.clone()));
                    variables.push((names[1].clone(), item.clone()));
                }
                _ => {}
            }
            match self.list(body, &item, variables, out)? {
                Flow::Break => break,
                Flow::Continue | Flow::Normal => {}
            }
        }
        variables.truncate(mark);
        Ok(Flow::Normal)
    }

    /// Evaluate a pipeline, then declare or assign its variables.
    pub(super) fn pipe(
        &mut self,
        pipe: &Pipe,
        dot: &Value,
        variables: &mut Variables,
    ) -> Result<Value, TemplateError> {
        self.frame(pipe.span)?;
        let mut value: Option<Value> = None;
        for command in &pipe.commands {
            match self.command(command, dot, variables, value) {
                // Go digs an `interface{}` result down to what it holds: a nil one (a missing
                // map key under missingkey=zero) becomes the invalid value, whose fields are
                // again invalid, not an error. So `((.Values.global.db).auth).secret` renders
                // empty where `.Values.global.db.auth.secret` fails (bitnami's charts rely on it).
                Ok(next) if next.is_nil() && !next.is_absent() => value = Some(Value::absent()),
                Ok(next) => value = Some(next),
                Err(error) => {
                    self.frames -= 1;
                    return Err(error);
                }
            }
        }
        self.frames -= 1;
        let value = value.unwrap_or_default();
        for name in &pipe.variables {
            if pipe.assign {
                match variables.iter_mut().rev().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = value.clone(),
                    None => {
                        return Err(exec_error(pipe.span, format!("undefined variable: {name}")));
                    }
                }
            } else {
                variables.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn command(
        &mut self,
        command: &parse::Command,
        dot: &Value,
        variables: &mut Variables,
        piped: Option<Value>,
    ) -> Result<Value, TemplateError> {
        let first = &command.args[0];
        let rest = &command.args[1..];
        match first {
            Term::Function(name, span) => {
                self.step(*span)?;
                match &**name {
                    "and" | "or" => {
                        return self.and_or(
                            &**name == "and",
                            rest,
                            dot,
                            variables,
                            piped,
                            command.span,
                        );
                    }
                    _ => {}
                }
                let mut args = Vec::with_capacity(rest.len() + 1);
                for arg in rest {
                    args.push(self.term(arg, dot, variables)?);
                }
                args.extend(piped);
                // Errors of a function are reported at its action (its pieces belong there too).
                let action = self.action;
                let value = self.call(name, args, dot, action)?;
                if value.depth() > MAX_VALUE_DEPTH {
                    return Err(exec_error(
                        action,
                        format!(
                            "error calling {name}: values nested deeper than {MAX_VALUE_DEPTH}"
                        ),
                    ));
                }
                if let Some(target) = rest.first().filter(|_| funcs::mutates_first_argument(name)) {
                    write_back(target, &value, variables);
                }
                Ok(value)
            }
            Term::Chain {
                receiver,
                names,
                span,
            } if !rest.is_empty() || piped.is_some() => {
                // A method call: `.Files.Get "x"`, `.Capabilities.APIVersions.Has "v"`.
                let mut value = match receiver {
                    Some(term) => self.term(term, dot, variables)?,
                    None => self.current(dot.clone()),
                };
                for name in &names[..names.len() - 1] {
                    value = self.field(&value, name, Vec::new(), *span)?;
                    value = self.current(value);
                }
                let mut args = Vec::with_capacity(rest.len() + 1);
                for arg in rest {
                    args.push(self.term(arg, dot, variables)?);
                }
                args.extend(piped);
                self.field(&value, &names[names.len() - 1], args, *span)
            }
            _ if !rest.is_empty() || piped.is_some() => Err(exec_error(
                command.span,
                format!("can't give argument to non-function {}", term_text(first)),
            )),
            Term::Nil(span) => Err(exec_error(*span, "nil is not a command")),
            _ => self.term(first, dot, variables),
        }
    }

    /// Call a function, and account for what it built: strings against the output budget, the
    /// length of lists and maps (a loop of `append` copies them) and work done inside (printing,
    /// comparing) against the steps.
    fn call(
        &mut self,
        name: &str,
        mut args: Vec<Value>,
        dot: &Value,
        action: Span,
    ) -> Result<Value, TemplateError> {
        // Go passes the invalid value to a function as its parameter type's zero: a nil
        // (`dict "root" $unset` holds nil, whose fields are an error again).
        for arg in args.iter_mut().filter(|arg| arg.is_absent()) {
            *arg = Value::nil();
        }
        let mutated = funcs::mutates_first_argument(name)
            .then(|| args.first().cloned())
            .flatten();
        if !self.shared.is_empty() && funcs::reads_whole_values(name) {
            for arg in &mut args {
                *arg = self.shared.deep(std::mem::take(arg));
            }
        }
        let value = funcs::call(self, name, args, dot, action)?;
        if let Some(before) = mutated {
            self.shared.changed(&before, &value);
        }
        let value = self.current(value);
        match value.kind() {
            ValueKind::String(text) if value.pieces().is_none() => {
                self.charge(text.len(), action)?
            }
            ValueKind::List(items) => {
                work::spend(items.len() as u64);
            }
            ValueKind::Map(map) => {
                work::spend(map.len() as u64);
            }
            _ => {}
        }
        self.step(action)?;
        Ok(value)
    }

    /// `and` / `or`: arguments evaluated left to right until the result is known.
    fn and_or(
        &mut self,
        is_and: bool,
        args: &[Term],
        dot: &Value,
        variables: &mut Variables,
        piped: Option<Value>,
        span: Span,
    ) -> Result<Value, TemplateError> {
        let count = args.len() + usize::from(piped.is_some());
        if count < 1 {
            let name = if is_and { "and" } else { "or" };
            return Err(exec_error(
                span,
                format!("wrong number of args for {name}: want at least 1 got 0"),
            ));
        }
        let mut last = Value::nil();
        for arg in args {
            last = self.term(arg, dot, variables)?;
            if last.truthy() != is_and {
                return Ok(last);
            }
        }
        if let Some(value) = piped {
            last = value;
        }
        Ok(last)
    }

    /// An operand's value.
    pub(super) fn term(
        &mut self,
        term: &Term,
        dot: &Value,
        variables: &mut Variables,
    ) -> Result<Value, TemplateError> {
        match term {
            Term::Dot(_) => Ok(self.current(dot.clone())),
            Term::Nil(_) => Ok(Value::nil()),
            Term::Bool(b, _) => Ok(Value::bool(*b)),
            Term::Number(Number::Int(n), _) => Ok(Value::int(*n)),
            Term::Number(Number::Float(f), _) => Ok(Value::float(*f)),
            Term::String(text, _) => Ok(Value::string(text.clone())),
            Term::Function(name, span) => {
                self.step(*span)?;
                let action = self.action;
                self.call(name, Vec::new(), dot, action)
            }
            Term::Variable(name, span) => variables
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| self.current(v.clone()))
                .ok_or_else(|| exec_error(*span, format!("undefined variable: {name}"))),
            Term::Chain {
                receiver,
                names,
                span,
            } => {
                let mut value = match receiver {
                    Some(term) => self.term(term, dot, variables)?,
                    None => self.current(dot.clone()),
                };
                for name in names {
                    value = self.field(&value, name, Vec::new(), *span)?;
                    value = self.current(value);
                }
                Ok(value)
            }
            Term::Pipe(pipe) => self.pipe(pipe, dot, variables),
        }
    }

    /// `receiver.name`, with arguments for a method.
    fn field(
        &mut self,
        receiver: &Value,
        name: &str,
        args: Vec<Value>,
        span: Span,
    ) -> Result<Value, TemplateError> {
        // A field of a map reads that one key (a stand-in rendering keeps what reads no other).
        if let Some(entry) = receiver.entry(name) {
            if !args.is_empty() {
                return Err(exec_error(
                    span,
                    format!("{name} is not a method but has arguments"),
                ));
            }
            // Helm renders with missingkey=zero: a missing key is nil.
            return Ok(entry.cloned().unwrap_or_default());
        }
        match receiver.kind() {
            // Go returns the invalid value for fields of the invalid value, but fails on fields
            // of a nil interface (a missing or null value): "nil pointer evaluating".
            ValueKind::Nil if receiver.is_absent() => Ok(Value::absent()),
            ValueKind::Nil if self.set.tolerate_nil_fields => Ok(Value::nil()),
            ValueKind::Nil => Err(exec_error(
                span,
                format!("nil pointer evaluating interface {{}}.{name}"),
            )),
            ValueKind::Files(files) => funcs::files_method(files, name, &args, span),
            ValueKind::String(text) if funcs::is_now(text) => funcs::now_method(name, &args)
                .ok_or_else(|| {
                    exec_error(
                        span,
                        format!("can't evaluate field {name} in type time.Time"),
                    )
                }),
            ValueKind::ApiVersions(versions) => match name {
                "Has" => match args.as_slice() {
                    [version] => Ok(Value::bool(
                        version
                            .as_str()
                            .is_some_and(|v| versions.iter().any(|known| known == v)),
                    )),
                    _ => Err(exec_error(
                        span,
                        format!("wrong number of args for Has: want 1 got {}", args.len()),
                    )),
                },
                _ => Err(exec_error(
                    span,
                    format!("can't evaluate field {name} in type chartutil.VersionSet"),
                )),
            },
            _ => Err(exec_error(
                span,
                format!(
                    "can't evaluate field {name} in type {}",
                    format::type_name(receiver)
                ),
            )),
        }
    }

    /// Execute the template `name` with `dot`, writing into `out`.
    pub(super) fn call_define(
        &mut self,
        name: &str,
        dot: &Value,
        span: Span,
        out: &mut Out,
    ) -> Result<(), TemplateError> {
        let body = self
            .local_defines
            .iter()
            .rev()
            .find(|(n, _)| &**n == name)
            .map(|(_, body)| body.clone())
            .or_else(|| self.set.defined(name))
            .ok_or_else(|| {
                exec_error(
                    span,
                    format!("no template {name:?} associated with template"),
                )
            })?;
        self.enter(span)?;
        let saved_action = self.action;
        let mut variables = vec![(Arc::from("$"), dot.clone())];
        let result = self.list(&body, dot, &mut variables, out);
        self.action = saved_action;
        self.depth -= 1;
        result.map(|_| ())
    }

    /// `include`: the template's output as a string carrying its pieces.
    pub(super) fn include(
        &mut self,
        name: &str,
        dot: &Value,
        span: Span,
    ) -> Result<Value, TemplateError> {
        let mut out = Out::default();
        let outer_top = self.top;
        self.top = Some(span);
        let result = self.call_define(name, dot, span, &mut out);
        self.top = outer_top;
        result?;
        Ok(out.into_value())
    }

    /// `tpl`: `text` parsed as a template and executed with `dot`.
    pub(super) fn tpl(
        &mut self,
        text: &Value,
        dot: &Value,
        span: Span,
    ) -> Result<Value, TemplateError> {
        let source = text.as_str().unwrap_or_default();
        // Spans point into the values file when the string is written there byte for byte.
        let spans = match text.origin() {
            Some(origin) if origin.len() == source.len() => Spans::At {
                file: origin.file,
                base: origin.start as usize,
            },
            Some(origin) => Spans::Fixed(origin),
            None => Spans::Fixed(span),
        };
        let parsed = parse::parse(source, spans).map_err(|e| {
            TemplateError::new(
                e.span,
                TemplateErrorKind::Parse,
                format!("error calling tpl: {}", e.message),
            )
        })?;
        self.enter(span)?;
        let defined = self.local_defines.len();
        self.local_defines.extend(parsed.defines.iter().cloned());
        let outer_top = self.top;
        self.top = Some(span);
        let saved_action = self.action;
        let mut variables = vec![(Arc::from("$"), dot.clone())];
        let mut out = Out::default();
        let result = self.list(&parsed.root, dot, &mut variables, &mut out);
        self.action = saved_action;
        self.top = outer_top;
        self.local_defines.truncate(defined);
        self.depth -= 1;
        result?;
        Ok(out.into_value())
    }
}

/// A short text for an operand in messages.
fn term_text(term: &Term) -> String {
    match term {
        Term::Dot(_) => ".".to_string(),
        Term::Nil(_) => "nil".to_string(),
        Term::Bool(b, _) => b.to_string(),
        Term::Number(Number::Int(n), _) => n.to_string(),
        Term::Number(Number::Float(f), _) => format::float_g(*f),
        Term::String(s, _) => format::quote(s),
        Term::Function(name, _) | Term::Variable(name, _) => name.to_string(),
        Term::Chain { names, .. } => names.iter().map(|n| format!(".{n}")).collect(),
        Term::Pipe(_) => "(pipeline)".to_string(),
    }
}

/// After `set` / `merge` changed a map read from a variable (`$d`, `$d.a.b`), store the changed
/// map back there: Go maps are references, so the variable sees the change.
fn write_back(target: &Term, changed: &Value, variables: &mut Variables) {
    let (name, path): (&Arc<str>, &[Arc<str>]) = match target {
        Term::Variable(name, _) => (name, &[]),
        Term::Chain {
            receiver: Some(receiver),
            names,
            ..
        } => match &**receiver {
            Term::Variable(name, _) => (name, names.as_slice()),
            _ => return,
        },
        _ => return,
    };
    let Some((_, slot)) = variables.iter_mut().rev().find(|(n, _)| n == name) else {
        return;
    };
    let mut at = slot;
    for key in path {
        let Some(map) = at.as_map_mut() else { return };
        let Some(next) = map.get_mut(&**key) else {
            return;
        };
        at = next;
    }
    if matches!(at.kind(), ValueKind::Map(_) | ValueKind::Nil) {
        *at = changed.clone();
    }
}
