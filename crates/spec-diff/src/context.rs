//! The state every part of the walk shares: the role, both documents (behind
//! their [`Resolver`]s) and the changes found so far ([`Ctx`]), and one
//! operation as seen in one document ([`OpSide`]).
//!
//! It lives apart from the modules that walk (operations, parameters, bodies,
//! security, schema) so that they all depend on it and never on each other
//! in a circle; it imports only the leaf modules `change`, `resolve`,
//! `rules` and `sunset`.

use openapiv3::{Operation, PathItem};

use crate::change::{Change, OpKey, Role};
use crate::resolve::Resolver;
use crate::rules::Rule;
use crate::sunset::Date;

/// State shared by every part of the walk.
pub(crate) struct Ctx<'a> {
    pub role: Role,
    pub old: Resolver<'a>,
    pub new: Resolver<'a>,
    /// The day sunset dates are judged against.
    pub today: Date,
    found: Vec<(OpKey, Change)>,
}

impl<'a> Ctx<'a> {
    pub fn new(role: Role, old: Resolver<'a>, new: Resolver<'a>, today: Date) -> Self {
        Ctx {
            role,
            old,
            new,
            today,
            found: Vec::new(),
        }
    }

    /// Records a change; `tolerated` says the change is in data we receive
    /// and our generated type absorbs it.
    pub fn emit(&mut self, rule: &Rule, tolerated: bool, op: &OpKey, pointer: String, message: String) {
        let change = Change {
            id: rule.id.to_owned(),
            level: rule.level(self.role, tolerated),
            operation: op.label(),
            pointer,
            message,
        };
        self.found.push((op.clone(), change));
    }

    /// The changes found, sorted, with a change found at the same pointer by
    /// several operations reported once, under the first, naming the others.
    pub fn into_changes(self) -> Vec<Change> {
        let mut found = self.found;
        found.sort_by(|(a, x), (b, y)| (a, &x.pointer, &x.id, &x.message).cmp(&(b, &y.pointer, &y.id, &y.message)));
        let mut out: Vec<(Change, Vec<String>)> = Vec::new();
        for (_, change) in found {
            let same_place = out
                .iter_mut()
                .find(|(c, _)| c.id == change.id && c.pointer == change.pointer);
            if let Some((first, also)) = same_place {
                first.level = first.level.max(change.level);
                if first.operation != change.operation && !also.contains(&change.operation) {
                    also.push(change.operation);
                }
                continue;
            }
            // The same finding through another media type of the same body.
            let same_words = out
                .iter()
                .any(|(c, _)| c.id == change.id && c.operation == change.operation && c.message == change.message);
            if !same_words {
                out.push((change, Vec::new()));
            }
        }
        out.into_iter()
            .map(|(mut change, also)| {
                if !also.is_empty() {
                    change.message = format!("{} (also in {})", change.message, also.join(", "));
                }
                change
            })
            .collect()
    }
}

/// One operation in one document, with where it is.
pub(crate) struct OpSide<'a> {
    pub item: &'a PathItem,
    pub op: &'a Operation,
    /// Pointer of the path item.
    pub path_pointer: String,
    /// Pointer of the operation.
    pub pointer: String,
}
