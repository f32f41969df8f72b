//! Runs a parsed query over records. Commands up to the first `sort`, `limit` or `stats` are
//! applied to each record as it is read (so records a filter drops are never kept); the rest
//! run over what survives, newest first unless the query sorts.
//!
//! Which fields a row shows: with `stats`, its groups then its aggregates; else the last
//! `display`; else the fields `fields` and `parse` named; else `@timestamp` and `@message`, as
//! AWS shows a query that names no field. Rows that are events also carry `@ptr`, the pointer
//! GetLogRecord reads. Absent values are left out of a row.

use std::cmp::Ordering;

use indexmap::IndexMap;

use super::eval::{Record, Value, eval, natural_cmp, truth};
use super::parse::{Aggregate, AggregateFunction, Command, ParsePattern, Projection, Query};

/// What a finished query produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Each row's fields and rendered values, in column order.
    pub rows: Vec<Vec<(String, String)>>,
    /// Records that passed the query's filters.
    pub matched: u64,
}

/// One run of a query: records are fed with [`Execution::accept`], then [`Execution::finish`].
pub struct Execution<'q> {
    query: &'q Query,
    /// How many leading commands apply record by record.
    streaming: usize,
    survivors: Vec<Record>,
    columns: Vec<String>,
}

impl<'q> Execution<'q> {
    pub fn new(query: &'q Query) -> Self {
        let streaming = query
            .commands
            .iter()
            .position(|command| {
                matches!(
                    command,
                    Command::Sort(_) | Command::Limit(_) | Command::Stats { .. }
                )
            })
            .unwrap_or(query.commands.len());
        Self {
            query,
            streaming,
            survivors: Vec::new(),
            columns: Vec::new(),
        }
    }

    /// Feeds one record (an event with its fields).
    pub fn accept(&mut self, mut record: Record) {
        for command in &self.query.commands[..self.streaming] {
            if !apply_to_record(command, &mut record) {
                return;
            }
        }
        self.survivors.push(record);
    }

    /// Runs the rest of the pipeline and renders the rows, at most `cap` of them.
    pub fn finish(self, cap: usize) -> Outcome {
        let Execution {
            query,
            streaming,
            survivors: mut rows,
            mut columns,
        } = self;
        // Newest first, as AWS answers a query that does not sort.
        rows.sort_by(|a, b| {
            let time = |record: &Record| match record.get("@timestamp") {
                Some(Value::Time(ms)) => *ms,
                _ => i64::MIN,
            };
            time(b).cmp(&time(a))
        });
        let mut display: Option<Vec<String>> = None;
        let mut aggregated = false;
        let mut matched: Option<u64> = None;
        for (index, command) in query.commands.iter().enumerate() {
            if index < streaming {
                note_columns(command, &mut columns, &mut display);
                continue;
            }
            match command {
                Command::Fields(_) | Command::Parse { .. } | Command::Filter(_) => {
                    rows.retain_mut(|record| apply_to_record(command, record));
                    note_columns(command, &mut columns, &mut display);
                }
                Command::Display(_) => note_columns(command, &mut columns, &mut display),
                Command::Sort(keys) => rows.sort_by(|a, b| {
                    for key in keys {
                        // A key that names a column (after stats) sorts by that column.
                        let value = |record: &Record| {
                            record
                                .get(&key.text)
                                .cloned()
                                .or_else(|| eval(&key.expr, record))
                        };
                        let ordering = match (value(a), value(b)) {
                            (Some(x), Some(y)) => {
                                let ordering = natural_cmp(&x, &y);
                                if key.descending {
                                    ordering.reverse()
                                } else {
                                    ordering
                                }
                            }
                            // Absent values sort last either way.
                            (Some(_), None) => Ordering::Less,
                            (None, Some(_)) => Ordering::Greater,
                            (None, None) => Ordering::Equal,
                        };
                        if ordering != Ordering::Equal {
                            return ordering;
                        }
                    }
                    Ordering::Equal
                }),
                Command::Limit(count) => {
                    matched.get_or_insert(rows.len() as u64);
                    rows.truncate(*count);
                }
                Command::Stats { aggregates, by } => {
                    matched.get_or_insert(rows.len() as u64);
                    rows = aggregate(&rows, aggregates, by);
                    columns = by
                        .iter()
                        .map(|projection| projection.name.clone())
                        .chain(aggregates.iter().map(|aggregate| aggregate.name.clone()))
                        .collect();
                    display = None;
                    aggregated = true;
                }
            }
        }
        let matched = matched.unwrap_or(rows.len() as u64);
        let shown: Vec<String> = match display {
            Some(display) => display,
            None if aggregated || !columns.is_empty() => columns,
            None => vec!["@timestamp".into(), "@message".into()],
        };
        let rows = rows
            .into_iter()
            .take(cap)
            .map(|record| {
                let mut row: Vec<(String, String)> = shown
                    .iter()
                    .filter_map(|name| Some((name.clone(), record.get(name)?.render())))
                    .collect();
                if !aggregated && let Some(pointer) = record.get("@ptr") {
                    row.push(("@ptr".into(), pointer.render()));
                }
                row
            })
            .collect();
        Outcome { rows, matched }
    }
}

/// Adds the columns a command names to the shown ones (each once).
fn note_columns(command: &Command, columns: &mut Vec<String>, display: &mut Option<Vec<String>>) {
    let mut add = |name: &str| {
        if !columns.iter().any(|column| column == name) {
            columns.push(name.to_string());
        }
    };
    match command {
        Command::Fields(projections) => {
            for projection in projections {
                add(&projection.name);
            }
        }
        Command::Parse { pattern, .. } => match pattern {
            ParsePattern::Glob { names, .. } => {
                for name in names {
                    add(name);
                }
            }
            ParsePattern::Regex(regex) => {
                for name in regex.capture_names().flatten() {
                    add(name);
                }
            }
        },
        Command::Display(projections) => {
            *display = Some(projections.iter().map(|p| p.name.clone()).collect());
        }
        _ => {}
    }
}

/// Applies a record-by-record command; false when the record is dropped.
fn apply_to_record(command: &Command, record: &mut Record) -> bool {
    match command {
        Command::Fields(projections) => {
            for Projection { expr, name } in projections {
                let value = eval(expr, record);
                record.set(name, value);
            }
            true
        }
        Command::Filter(condition) => truth(condition, record),
        Command::Parse { source, pattern } => {
            let text = record.get(source).map(Value::render);
            apply_parse(pattern, text.as_deref(), record);
            true
        }
        _ => true,
    }
}

/// Sets the fields `parse` extracts from `text` (absent when it does not match).
fn apply_parse(pattern: &ParsePattern, text: Option<&str>, record: &mut Record) {
    match pattern {
        ParsePattern::Glob { parts, names } => {
            let values = text.and_then(|text| glob_captures(parts, text));
            for (index, name) in names.iter().enumerate() {
                let value = values
                    .as_ref()
                    .and_then(|values| values.get(index))
                    .map(|value| Value::Text(value.clone()));
                record.set(name, value);
            }
        }
        ParsePattern::Regex(regex) => {
            let captures = text.and_then(|text| regex.captures(text));
            for name in regex.capture_names().flatten() {
                let value = captures
                    .as_ref()
                    .and_then(|captures| captures.name(name))
                    .map(|found| Value::Text(found.as_str().to_string()));
                record.set(name, value);
            }
        }
    }
}

/// The text each `*` of a glob stands for: the literal parts are found in order, each `*`
/// taking as little as it can, except a final one, which takes the rest.
fn glob_captures(parts: &[String], text: &str) -> Option<Vec<String>> {
    let (first, rest) = parts.split_first()?;
    let start = text.find(first.as_str())? + first.len();
    let mut cursor = start;
    let mut captures = Vec::new();
    for (index, part) in rest.iter().enumerate() {
        let last = index == rest.len() - 1;
        if last && part.is_empty() {
            captures.push(text[cursor..].to_string());
            cursor = text.len();
            continue;
        }
        let found = text[cursor..].find(part.as_str())?;
        captures.push(text[cursor..cursor + found].to_string());
        cursor += found + part.len();
    }
    Some(captures)
}

/// Groups rows by the `by` values and computes the aggregates of each group, groups in the
/// order their first row came.
fn aggregate(rows: &[Record], aggregates: &[Aggregate], by: &[Projection]) -> Vec<Record> {
    /// A group's `by` values and its records, keyed by the values' text.
    type Groups<'r> = IndexMap<Vec<Option<String>>, (Vec<Option<Value>>, Vec<&'r Record>)>;
    let mut groups: Groups<'_> = IndexMap::new();
    for record in rows {
        let values: Vec<Option<Value>> = by
            .iter()
            .map(|projection| eval(&projection.expr, record))
            .collect();
        let key = values
            .iter()
            .map(|value| value.as_ref().map(Value::render))
            .collect();
        groups
            .entry(key)
            .or_insert_with(|| (values, Vec::new()))
            .1
            .push(record);
    }
    // Without `by`, one row even when no record matched (count 0).
    if by.is_empty() && groups.is_empty() {
        groups.insert(Vec::new(), (Vec::new(), Vec::new()));
    }
    groups
        .into_values()
        .map(|(values, members)| {
            let mut out = Record::default();
            for (projection, value) in by.iter().zip(values) {
                out.set(&projection.name, value);
            }
            for aggregate in aggregates {
                out.set(&aggregate.name, compute(aggregate, &members));
            }
            out
        })
        .collect()
}

fn compute(aggregate: &Aggregate, members: &[&Record]) -> Option<Value> {
    let values = || {
        members.iter().filter_map(|record| {
            aggregate
                .argument
                .as_ref()
                .and_then(|argument| eval(argument, record))
        })
    };
    match aggregate.function {
        AggregateFunction::Count => {
            let count = match &aggregate.argument {
                None => members.len(),
                Some(_) => values().count(),
            };
            Some(Value::Number(count as f64))
        }
        AggregateFunction::Sum | AggregateFunction::Avg => {
            let numbers: Vec<f64> = values().filter_map(|value| value.number()).collect();
            if numbers.is_empty() {
                return None;
            }
            let sum: f64 = numbers.iter().sum();
            Some(Value::Number(
                if aggregate.function == AggregateFunction::Sum {
                    sum
                } else {
                    sum / numbers.len() as f64
                },
            ))
        }
        AggregateFunction::Min | AggregateFunction::Max => {
            let pick = |a: Value, b: Value| {
                let ordering = match (a.number(), b.number()) {
                    (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                    _ => a.render().cmp(&b.render()),
                };
                let keep_a = if aggregate.function == AggregateFunction::Min {
                    ordering != Ordering::Greater
                } else {
                    ordering != Ordering::Less
                };
                if keep_a { a } else { b }
            };
            values().reduce(pick)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_take_as_little_as_they_can_but_the_last_takes_the_rest() {
        let parts = |glob: &str| glob.split('*').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            glob_captures(&parts("user=*, method:*"), "x user=ann, method:GET /a"),
            Some(vec!["ann".to_string(), "GET /a".to_string()])
        );
        assert_eq!(
            glob_captures(&parts("[*] *"), "[INFO] started [x]"),
            Some(vec!["INFO".to_string(), "started [x]".to_string()])
        );
        assert_eq!(glob_captures(&parts("a=*;"), "b=1"), None);
    }
}
