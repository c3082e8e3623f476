//! Following `$ref`s to components, with the pointer of what they lead to.

use openapiv3::{Components, Header, OpenAPI, Parameter, ReferenceOr, RequestBody, Response, Schema};

use crate::change::{DiffError, escape};

/// Something found in a document, with where it is.
pub(crate) struct Found<'a, T> {
    pub item: &'a T,
    /// JSON pointer of `item` in its document.
    pub pointer: String,
    /// The component's name when `item` came from `#/components/...`.
    pub name: Option<String>,
}

/// A schema, whether behind a `Box` or not.
#[derive(Clone, Copy)]
pub(crate) enum SchemaRef<'a> {
    Ref(&'a str),
    Inline(&'a Schema),
}

impl<'a> From<&'a ReferenceOr<Schema>> for SchemaRef<'a> {
    fn from(r: &'a ReferenceOr<Schema>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<Schema>>> for SchemaRef<'a> {
    fn from(r: &'a ReferenceOr<Box<Schema>>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }
}

/// Resolves references within one document.
#[derive(Clone, Copy)]
pub(crate) struct Resolver<'a> {
    pub doc: &'a OpenAPI,
    side: &'static str,
}

impl<'a> Resolver<'a> {
    pub fn new(doc: &'a OpenAPI, side: &'static str) -> Self {
        Resolver { doc, side }
    }

    pub fn schema(&self, schema: SchemaRef<'a>, pointer: String) -> Result<Found<'a, Schema>, DiffError> {
        match schema {
            SchemaRef::Inline(item) => Ok(Found {
                item,
                pointer,
                name: None,
            }),
            SchemaRef::Ref(reference) => {
                let entry = self.component(reference, "schemas", |c, n| c.schemas.get(n))?;
                self.follow(entry, "schemas", |c, n| c.schemas.get(n))
            }
        }
    }

    pub fn parameter(&self, r: &'a ReferenceOr<Parameter>, pointer: String) -> Result<Found<'a, Parameter>, DiffError> {
        self.follow((r, pointer, None), "parameters", |c, n| c.parameters.get(n))
    }

    pub fn request_body(
        &self,
        r: &'a ReferenceOr<RequestBody>,
        pointer: String,
    ) -> Result<Found<'a, RequestBody>, DiffError> {
        self.follow((r, pointer, None), "requestBodies", |c, n| c.request_bodies.get(n))
    }

    pub fn response(&self, r: &'a ReferenceOr<Response>, pointer: String) -> Result<Found<'a, Response>, DiffError> {
        self.follow((r, pointer, None), "responses", |c, n| c.responses.get(n))
    }

    pub fn header(&self, r: &'a ReferenceOr<Header>, pointer: String) -> Result<Found<'a, Header>, DiffError> {
        self.follow((r, pointer, None), "headers", |c, n| c.headers.get(n))
    }

    /// The component a `#/components/{kind}/{name}` reference names, with
    /// its pointer and name.
    fn component<T>(
        &self,
        reference: &str,
        kind: &str,
        lookup: impl Fn(&'a Components, &str) -> Option<&'a ReferenceOr<T>>,
    ) -> Result<(&'a ReferenceOr<T>, String, Option<String>), DiffError> {
        let missing = || DiffError::Reference {
            side: self.side,
            reference: reference.to_owned(),
        };
        let segment = reference
            .strip_prefix("#/components/")
            .and_then(|rest| rest.strip_prefix(kind));
        let name = segment.and_then(|s| s.strip_prefix('/')).ok_or_else(missing)?;
        let name = name.replace("~1", "/").replace("~0", "~");
        let components = self.doc.components.as_ref().ok_or_else(missing)?;
        let entry = lookup(components, &name).ok_or_else(missing)?;
        Ok((entry, format!("/components/{kind}/{}", escape(&name)), Some(name)))
    }

    /// Follows a chain of references to the item at its end.
    fn follow<T>(
        &self,
        (mut current, mut pointer, mut name): (&'a ReferenceOr<T>, String, Option<String>),
        kind: &str,
        lookup: impl Fn(&'a Components, &str) -> Option<&'a ReferenceOr<T>>,
    ) -> Result<Found<'a, T>, DiffError> {
        let mut seen = Vec::new();
        loop {
            match current {
                ReferenceOr::Item(item) => return Ok(Found { item, pointer, name }),
                ReferenceOr::Reference { reference } => {
                    if seen.contains(&reference) {
                        return Err(DiffError::ReferenceCycle {
                            side: self.side,
                            reference: reference.clone(),
                        });
                    }
                    seen.push(reference);
                    (current, pointer, name) = self.component(reference, kind, &lookup)?;
                }
            }
        }
    }
}
