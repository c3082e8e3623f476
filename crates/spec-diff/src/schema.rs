//! Comparing two schemas property by property, recursively.
//!
//! Both schemas are flattened into [`View`]s and compared, then the walk
//! descends into properties, array items and the `oneOf`/`anyOf` variants
//! found on both sides (matched by component name, else by type, in order).
//! Nullability, defaults, bounds (`limits`) and variants added or removed
//! are judged on properties and items, not on a body's own schema, whose
//! oasdiff rules are others. Named components are walked once per operation
//! and side, which also stops recursive schemas.

use std::collections::HashSet;

use openapiv3::Schema;

use crate::change::{DiffError, OpKey, Role};
use crate::checks::{PatternRules, enum_changes, pattern_change};
use crate::context::Ctx;
use crate::limits;
use crate::resolve::{Found, Resolver, SchemaRef};
use crate::rules::{self, Rule};
use crate::view::{Child, View};

/// How deep a walk goes through inline schemas before giving up.
const MAX_DEPTH: usize = 64;

/// Whether a schema describes a request or a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Request,
    Response,
}

impl Side {
    fn word(self) -> &'static str {
        match self {
            Side::Request => "request",
            Side::Response => "response",
        }
    }

    /// Whether we receive the data this side describes.
    pub fn received(self, role: Role) -> bool {
        matches!(
            (self, role),
            (Side::Request, Role::Callbacks) | (Side::Response, Role::Provider)
        )
    }
}

/// Where in a body a schema is, for messages.
#[derive(Debug, Clone, Default)]
pub(crate) struct Loc {
    /// The innermost named component the walk is in.
    owner: Option<String>,
    /// Property path from `owner`, or from the body when there is none.
    path: Vec<String>,
    /// How the walk reached `owner`, e.g. "property `status` of Report".
    via: Option<String>,
}

impl Loc {
    fn child(&self, segment: &str) -> Loc {
        let mut loc = self.clone();
        loc.path.push(segment.to_owned());
        loc
    }

    /// The location after following a reference to a named component.
    fn enter(self, name: Option<String>) -> Loc {
        match name {
            Some(name) => Loc {
                via: Some(self.phrase()),
                owner: Some(name),
                path: Vec::new(),
            },
            None => self,
        }
    }

    fn phrase(&self) -> String {
        let path = self.path.join("/");
        match (&self.owner, &self.via) {
            (Some(owner), _) if !path.is_empty() => format!("property `{path}` of {owner}"),
            (None, _) if !path.is_empty() => format!("property `{path}`"),
            (Some(owner), Some(via)) => format!("{via} (schema {owner})"),
            (Some(owner), None) => format!("schema {owner}"),
            (None, Some(via)) => via.clone(),
            (None, None) => "body".into(),
        }
    }
}

/// One side of a comparison: a resolved schema and where it is.
pub(crate) struct Node<'a> {
    pub schema: &'a Schema,
    /// Where the schema is, after following references.
    pub pointer: String,
    /// Where it is used: the `$ref` itself when there is one.
    pub site: String,
    pub name: Option<String>,
    pub loc: Loc,
    /// An optional property: its generated field is an `Option`.
    optional: bool,
}

impl<'a> Node<'a> {
    fn new(found: Found<'a, Schema>, site: String, loc: Loc, optional: bool) -> Node<'a> {
        Node {
            schema: found.item,
            pointer: found.pointer,
            site,
            loc: loc.enter(found.name.clone()),
            name: found.name,
            optional,
        }
    }

    /// The root of a body whose schema is at `site`.
    pub fn root(resolver: &Resolver<'a>, schema: SchemaRef<'a>, site: String) -> Result<Node<'a>, DiffError> {
        Ok(Node::new(
            resolver.schema(schema, site.clone())?,
            site,
            Loc::default(),
            false,
        ))
    }

    /// Where to point at a change of this schema itself, compared with
    /// `old`: into the schema when both sides are the same one, else at the
    /// place that now refers to another schema.
    fn at(&self, old: &Node<'a>) -> &str {
        if self.name == old.name {
            &self.pointer
        } else {
            &self.site
        }
    }
}

/// Walks pairs of schemas of one operation's requests or responses.
pub(crate) struct Walker<'w, 'a> {
    pub ctx: &'w mut Ctx<'a>,
    pub op: &'w OpKey,
    pub side: Side,
    /// Pairs of named components already walked.
    walked: HashSet<(String, String)>,
}

impl<'w, 'a> Walker<'w, 'a> {
    pub fn new(ctx: &'w mut Ctx<'a>, op: &'w OpKey, side: Side) -> Self {
        Walker {
            ctx,
            op,
            side,
            walked: HashSet::new(),
        }
    }

    fn pick(&self, request: &'static Rule, response: &'static Rule) -> &'static Rule {
        match self.side {
            Side::Request => request,
            Side::Response => response,
        }
    }

    fn emit(&mut self, rule: &Rule, tolerated: bool, pointer: &str, message: String) {
        self.ctx.emit(rule, tolerated, self.op, pointer.to_owned(), message);
    }

    fn subject(&self, loc: &Loc) -> String {
        format!("{} {}", self.side.word(), loc.phrase())
    }

    pub fn walk(&mut self, old: Node<'a>, new: Node<'a>) -> Result<(), DiffError> {
        self.walk_at(old, new, 0)
    }

    fn walk_at(&mut self, old: Node<'a>, new: Node<'a>, depth: usize) -> Result<(), DiffError> {
        if depth > MAX_DEPTH {
            return Ok(());
        }
        if let (Some(o), Some(n)) = (&old.name, &new.name)
            && !self.walked.insert((o.clone(), n.clone()))
        {
            return Ok(());
        }
        let vo = View::of(&self.ctx.old, old.schema, &old.pointer)?;
        let vn = View::of(&self.ctx.new, new.schema, &new.pointer)?;
        let received = self.side.received(self.ctx.role);

        if (&vo.kind, &vo.format) != (&vn.kind, &vn.format) {
            let rule = match (depth, self.side) {
                (0, Side::Request) => &rules::REQUEST_BODY_TYPE_CHANGED,
                (0, Side::Response) => &rules::RESPONSE_BODY_TYPE_CHANGED,
                _ => self.pick(
                    &rules::REQUEST_PROPERTY_TYPE_CHANGED,
                    &rules::RESPONSE_PROPERTY_TYPE_CHANGED,
                ),
            };
            let message = format!(
                "{} changed type from {} to {}",
                self.subject(&new.loc),
                vo.describe(),
                vn.describe()
            );
            self.emit(rule, false, new.at(&old), message);
            return Ok(());
        }
        self.enums(&vo, &vn, &old, &new, received);
        self.pattern(&vo, &vn, &old, &new);
        if depth > 0 {
            self.constraints(&vo, &vn, &old, &new, received);
        }
        self.properties(&vo, &vn, &old, &new, received, depth)?;

        if let (Some(io), Some(in_)) = (&vo.items, &vn.items) {
            let (lo, ln) = (old.loc.child("items"), new.loc.child("items"));
            self.descend(io, in_, (&lo, &ln), false, depth)?;
        }
        self.variants(&vo, &vn, &old, &new, depth)
    }

    fn descend(
        &mut self,
        old: &Child<'a>,
        new: &Child<'a>,
        (lo, ln): (&Loc, &Loc),
        optional: bool,
        depth: usize,
    ) -> Result<(), DiffError> {
        let fo = self.ctx.old.schema(old.schema, old.pointer.clone())?;
        let fnew = self.ctx.new.schema(new.schema, new.pointer.clone())?;
        let old = Node::new(fo, old.pointer.clone(), lo.clone(), optional);
        let new = Node::new(fnew, new.pointer.clone(), ln.clone(), optional);
        self.walk_at(old, new, depth + 1)
    }

    /// Nullability, default and bounds of a property or items schema.
    fn constraints(&mut self, vo: &View<'a>, vn: &View<'a>, old: &Node<'a>, new: &Node<'a>, received: bool) {
        let subject = self.subject(&new.loc);
        let at = new.at(old).to_owned();
        if vo.nullable != vn.nullable {
            let (rule, became) = match (self.side, vn.nullable) {
                (Side::Request, true) => (&rules::REQUEST_PROPERTY_BECAME_NULLABLE, "nullable"),
                (Side::Request, false) => (&rules::REQUEST_PROPERTY_BECAME_NOT_NULLABLE, "not nullable"),
                (Side::Response, true) => (&rules::RESPONSE_PROPERTY_BECAME_NULLABLE, "nullable"),
                (Side::Response, false) => (&rules::RESPONSE_PROPERTY_BECAME_NOT_NULLABLE, "not nullable"),
            };
            // An optional field is an `Option`, which already reads `null`.
            let tolerated = received && new.optional;
            self.emit(rule, tolerated, &at, format!("{subject} became {became}"));
        }
        let found = match (vo.default, vn.default) {
            (None, Some(b)) => Some((
                self.pick(
                    &rules::REQUEST_PROPERTY_DEFAULT_VALUE_ADDED,
                    &rules::RESPONSE_PROPERTY_DEFAULT_VALUE_ADDED,
                ),
                format!("gained default {b}"),
            )),
            (Some(a), None) => Some((
                self.pick(
                    &rules::REQUEST_PROPERTY_DEFAULT_VALUE_REMOVED,
                    &rules::RESPONSE_PROPERTY_DEFAULT_VALUE_REMOVED,
                ),
                format!("lost default {a}"),
            )),
            (Some(a), Some(b)) if a != b => Some((
                self.pick(
                    &rules::REQUEST_PROPERTY_DEFAULT_VALUE_CHANGED,
                    &rules::RESPONSE_PROPERTY_DEFAULT_VALUE_CHANGED,
                ),
                format!("changed default from {a} to {b}"),
            )),
            _ => None,
        };
        let bounds = limits::changes(&vo.limits, &vn.limits, self.side == Side::Request);
        for (rule, message) in found.into_iter().chain(bounds) {
            self.emit(rule, false, &at, format!("{subject} {message}"));
        }
    }

    /// How a variant is recognised on both sides: its component's name, or
    /// its type.
    fn identity(&self, resolver: &Resolver<'a>, child: &Child<'a>) -> Result<String, DiffError> {
        let found = resolver.schema(child.schema, child.pointer.clone())?;
        Ok(match found.name {
            Some(name) => name,
            None => View::of(resolver, found.item, &found.pointer)?.describe(),
        })
    }

    /// Pairs the `oneOf`/`anyOf` variants of both sides, reports those on
    /// one side only (below the body's own schema), and walks the pairs.
    fn variants(
        &mut self,
        vo: &View<'a>,
        vn: &View<'a>,
        old: &Node<'a>,
        new: &Node<'a>,
        depth: usize,
    ) -> Result<(), DiffError> {
        let (ro, rn) = (self.ctx.old, self.ctx.new);
        let mut unmatched: Vec<(String, &Child<'a>)> = Vec::new();
        for child in &vo.variants {
            unmatched.push((self.identity(&ro, child)?, child));
        }
        let mut added = Vec::new();
        for (i, child) in vn.variants.iter().enumerate() {
            let id = self.identity(&rn, child)?;
            match unmatched.iter().position(|(o, _)| *o == id) {
                Some(at) => {
                    let (_, old_child) = unmatched.remove(at);
                    let segment = format!("{}/{i}", vn.kind);
                    let (lo, ln) = (old.loc.child(&segment), new.loc.child(&segment));
                    self.descend(old_child, child, (&lo, &ln), false, depth)?;
                }
                None => added.push((id, child.pointer.clone())),
            }
        }
        if depth == 0 {
            return Ok(());
        }
        let one_of = vn.kind == "oneOf";
        let rule = |request: bool, gained: bool| match (request, one_of, gained) {
            (true, true, true) => &rules::REQUEST_PROPERTY_ONE_OF_ADDED,
            (true, true, false) => &rules::REQUEST_PROPERTY_ONE_OF_REMOVED,
            (true, false, true) => &rules::REQUEST_PROPERTY_ANY_OF_ADDED,
            (true, false, false) => &rules::REQUEST_PROPERTY_ANY_OF_REMOVED,
            (false, true, true) => &rules::RESPONSE_PROPERTY_ONE_OF_ADDED,
            (false, true, false) => &rules::RESPONSE_PROPERTY_ONE_OF_REMOVED,
            (false, false, true) => &rules::RESPONSE_PROPERTY_ANY_OF_ADDED,
            (false, false, false) => &rules::RESPONSE_PROPERTY_ANY_OF_REMOVED,
        };
        let request = self.side == Side::Request;
        let subject = self.subject(&new.loc);
        for (id, child) in unmatched {
            let message = format!("{subject} lost {} variant {id}", vn.kind);
            self.emit(rule(request, false), false, &child.pointer, message);
        }
        for (id, pointer) in added {
            let message = format!("{subject} gained {} variant {id}", vn.kind);
            self.emit(rule(request, true), false, &pointer, message);
        }
        Ok(())
    }

    fn enums(&mut self, vo: &View<'a>, vn: &View<'a>, old: &Node<'a>, new: &Node<'a>, received: bool) {
        let added_rule = self.pick(
            &rules::REQUEST_PROPERTY_ENUM_VALUE_ADDED,
            &rules::RESPONSE_PROPERTY_ENUM_VALUE_ADDED,
        );
        let removed_rule = self.pick(
            &rules::REQUEST_PROPERTY_ENUM_VALUE_REMOVED,
            &rules::RESPONSE_PROPERTY_ENUM_VALUE_REMOVED,
        );
        let subject = self.subject(&new.loc);
        for (rule, tolerated, message) in enum_changes(&vo.enumeration, &vn.enumeration, added_rule, removed_rule) {
            self.emit(rule, tolerated && received, new.at(old), format!("{subject} {message}"));
        }
    }

    fn pattern(&mut self, vo: &View<'a>, vn: &View<'a>, old: &Node<'a>, new: &Node<'a>) {
        let rules = match self.side {
            Side::Request => PatternRules::REQUEST_PROPERTY,
            Side::Response => PatternRules::RESPONSE_PROPERTY,
        };
        if let Some((rule, message)) = pattern_change(vo.pattern, vn.pattern, &rules) {
            let subject = self.subject(&new.loc);
            self.emit(rule, false, new.at(old), format!("{subject} {message}"));
        }
    }

    fn properties(
        &mut self,
        vo: &View<'a>,
        vn: &View<'a>,
        old: &Node<'a>,
        new: &Node<'a>,
        received: bool,
        depth: usize,
    ) -> Result<(), DiffError> {
        for (name, child) in &vo.properties {
            if vn.properties.iter().any(|(n, _)| n == name) {
                continue;
            }
            let was_required = vo.required.contains(name);
            let rule = match (self.side, was_required) {
                (Side::Request, _) => &rules::REQUEST_PROPERTY_REMOVED,
                (Side::Response, true) => &rules::RESPONSE_REQUIRED_PROPERTY_REMOVED,
                (Side::Response, false) => &rules::RESPONSE_OPTIONAL_PROPERTY_REMOVED,
            };
            let what = if was_required { " (it was required)" } else { "" };
            let message = format!("{} removed{what}", self.subject(&old.loc.child(name)));
            self.emit(rule, false, &child.pointer, message);
        }
        for (name, child) in &vn.properties {
            let Some((_, old_child)) = vo.properties.iter().find(|(n, _)| n == name) else {
                let required = vn.required.contains(name);
                let rule = match (self.side, required) {
                    (Side::Request, true) => &rules::NEW_REQUIRED_REQUEST_PROPERTY,
                    (Side::Request, false) => &rules::NEW_OPTIONAL_REQUEST_PROPERTY,
                    (Side::Response, true) => &rules::RESPONSE_REQUIRED_PROPERTY_ADDED,
                    (Side::Response, false) => &rules::RESPONSE_OPTIONAL_PROPERTY_ADDED,
                };
                let how = if required { "required" } else { "optional" };
                let why = match (received, vn.catch_all) {
                    (false, _) => String::new(),
                    (true, true) => "; older types keep it in their catch-all map".into(),
                    (true, false) => "; the object has no catch-all map for unknown fields".into(),
                };
                let message = format!("{} added ({how}{why})", self.subject(&new.loc.child(name)));
                self.emit(rule, received && vn.catch_all, &child.pointer, message);
                continue;
            };
            let (was, is) = (vo.required.contains(name), vn.required.contains(name));
            if was != is {
                let (rule, became) = match (self.side, is) {
                    (Side::Request, true) => (&rules::REQUEST_PROPERTY_BECAME_REQUIRED, "required"),
                    (Side::Request, false) => (&rules::REQUEST_PROPERTY_BECAME_OPTIONAL, "optional"),
                    (Side::Response, true) => (&rules::RESPONSE_PROPERTY_BECAME_REQUIRED, "required"),
                    (Side::Response, false) => (&rules::RESPONSE_PROPERTY_BECAME_OPTIONAL, "optional"),
                };
                let message = format!("{} became {became}", self.subject(&new.loc.child(name)));
                self.emit(rule, false, &child.pointer, message);
            }
            let (lo, ln) = (old.loc.child(name), new.loc.child(name));
            self.descend(old_child, child, (&lo, &ln), !is, depth)?;
        }
        Ok(())
    }
}
