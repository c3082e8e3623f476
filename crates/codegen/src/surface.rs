//! The public API of a generated client module, read from its syntax tree.
//!
//! `cargo xtask regen` compares the modules generated from two versions of a
//! spec to say which Rust items a spec change adds, removes or changes. The
//! generated code is ordinary Rust, so the surface is read with `syn` rather
//! than through rustdoc's JSON (nightly only): every `pub` type, field, enum
//! variant, inherent method, function, constant and re-export, keyed by its
//! path inside the module (`types::Status::Delivered`), with a signature
//! whose change is a breaking change. Signatures keep what a consumer
//! depends on: types, generics, `#[serde(...)]` attributes (how values are
//! read and written), and for a request builder's setters whether the
//! request fails without them. Trait implementations (derived or written)
//! are kept per type, since losing one breaks its users.

use std::collections::{BTreeMap, BTreeSet};

use quote::ToTokens;
use syn::{Attribute, Fields, ImplItem, Item, Type, Visibility};

/// What kind of item an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Struct,
    Enum,
    TypeAlias,
    Field,
    Variant,
    Method,
    Function,
    Constant,
    ReExport,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Struct => "struct",
            Kind::Enum => "enum",
            Kind::TypeAlias => "type alias",
            Kind::Field => "field",
            Kind::Variant => "variant",
            Kind::Method => "method",
            Kind::Function => "function",
            Kind::Constant => "constant",
            Kind::ReExport => "re-export",
        }
    }

    pub fn is_type(self) -> bool {
        matches!(self, Kind::Struct | Kind::Enum | Kind::TypeAlias)
    }
}

/// One public item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    /// What a consumer depends on, as tidy Rust text.
    pub signature: String,
    /// For types: the traits it implements (derived or written).
    pub traits: BTreeSet<String>,
    /// For structs: every field is public and nothing marks it
    /// `#[non_exhaustive]`, so consumers may build it with a literal. For
    /// enums: not `#[non_exhaustive]`, so consumers may match exhaustively.
    pub exhaustive: bool,
}

/// The public items of a module, by path inside it.
pub type Surface = BTreeMap<String, Entry>;

/// Reads the public API of generated module `source`.
pub fn public_api(source: &str) -> Result<Surface, syn::Error> {
    let file = syn::parse_file(source)?;
    let mut reader = Reader::default();
    reader.items("", &file.items);
    let Reader { mut surface, traits } = reader;
    for (path, found) in traits {
        if let Some(entry) = surface.get_mut(&path)
            && entry.kind.is_type()
        {
            entry.traits.extend(found);
        }
    }
    Ok(surface)
}

#[derive(Default)]
struct Reader {
    surface: Surface,
    /// Trait impls by the path of their self type, merged into the types at
    /// the end (an impl may come before its type).
    traits: BTreeMap<String, BTreeSet<String>>,
}

fn public(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}::{name}")
    }
}

/// Token text with Rust's usual spacing, and `std` paths shortened.
pub fn tidy(tokens: &impl ToTokens) -> String {
    // A colon before a path (`T : :: std`) must not merge into it.
    let mut text = tokens.to_token_stream().to_string().replace(" : ", "\u{1}");
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" ::", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& ", "&"),
        ("' ", "'"),
        ("# [", "#["),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        ("\u{1}", ": "),
    ] {
        text = text.replace(from, to);
    }
    shorten(text)
}

/// `std` paths every reader knows, shortened.
fn shorten(mut text: String) -> String {
    for long in [
        "::std::option::",
        "::std::string::",
        "::std::vec::",
        "::std::convert::",
        "std::convert::",
    ] {
        text = text.replace(long, "");
    }
    text
}

/// An item as rustfmt-like text on one line.
fn pretty(item: Item) -> String {
    let file = syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: vec![item],
    };
    shorten(
        prettyplease::unparse(&file)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// A function signature, e.g. `fn to<T>(mut self, value: T) -> Self where T: TryInto<String>`.
fn signature(sig: &syn::Signature) -> String {
    let item = syn::ItemFn {
        attrs: Vec::new(),
        vis: Visibility::Inherited,
        sig: sig.clone(),
        block: Box::new(syn::parse_quote!({})),
    };
    let text = pretty(Item::Fn(item));
    text.trim_end_matches("{}").trim_end().trim_end_matches(',').to_owned()
}

/// A type, e.g. `Option<Vec<String>>`.
fn type_text(ty: &Type) -> String {
    let text = pretty(syn::parse_quote!(type T = #ty;));
    text.trim_start_matches("type T = ").trim_end_matches(';').to_owned()
}

fn serde_attrs(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .map(|a| format!(" {}", tidy(a)))
        .collect()
}

fn has(attrs: &[Attribute], name: &str) -> bool {
    attrs.iter().any(|a| a.path().is_ident(name))
}

fn derives(attrs: &[Attribute]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = attr.parse_nested_meta(|meta| {
            let name = meta
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            out.insert(name);
            Ok(())
        });
    }
    out
}

/// The path of an impl's self type inside the module, or `None` when it is
/// not a plain named type.
fn self_path(prefix: &str, ty: &Type) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    let mut base: Vec<&str> = prefix.split("::").filter(|s| !s.is_empty()).collect();
    let mut name = String::new();
    for segment in &path.path.segments {
        match segment.ident.to_string().as_str() {
            "super" => {
                base.pop();
            }
            "self" => {}
            ident => {
                if !name.is_empty() {
                    name.push_str("::");
                }
                name.push_str(ident);
            }
        }
    }
    Some(join(&base.join("::"), &name))
}

impl Reader {
    fn add(&mut self, path: String, kind: Kind, signature: String, exhaustive: bool) {
        let entry = Entry {
            kind,
            signature,
            traits: BTreeSet::new(),
            exhaustive,
        };
        self.surface.insert(path, entry);
    }

    fn items(&mut self, prefix: &str, items: &[Item]) {
        for item in items {
            self.item(prefix, item);
        }
    }

    fn item(&mut self, prefix: &str, item: &Item) {
        match item {
            Item::Mod(m) if public(&m.vis) => {
                if let Some((_, content)) = &m.content {
                    self.items(&join(prefix, &m.ident.to_string()), content);
                }
            }
            Item::Struct(s) if public(&s.vis) => {
                let path = join(prefix, &s.ident.to_string());
                let all_public = s.fields.iter().all(|f| public(&f.vis));
                for (i, field) in s.fields.iter().enumerate() {
                    if !public(&field.vis) {
                        continue;
                    }
                    let name = field.ident.as_ref().map_or_else(|| i.to_string(), ToString::to_string);
                    let signature = format!("{}{}", type_text(&field.ty), serde_attrs(&field.attrs));
                    self.add(join(&path, &name), Kind::Field, signature, false);
                }
                let exhaustive = all_public && !has(&s.attrs, "non_exhaustive");
                let shape = match &s.fields {
                    Fields::Named(_) => "{ .. }",
                    Fields::Unnamed(_) => "( .. )",
                    Fields::Unit => "",
                };
                let signature = format!("struct{}{shape}{}", tidy(&s.generics), serde_attrs(&s.attrs));
                self.traits.entry(path.clone()).or_default().extend(derives(&s.attrs));
                self.add(path, Kind::Struct, signature, exhaustive);
            }
            Item::Enum(e) if public(&e.vis) => {
                let path = join(prefix, &e.ident.to_string());
                for variant in &e.variants {
                    let signature = format!("{}{}", tidy(&variant.fields), serde_attrs(&variant.attrs));
                    self.add(join(&path, &variant.ident.to_string()), Kind::Variant, signature, false);
                }
                let signature = format!("enum{}{}", tidy(&e.generics), serde_attrs(&e.attrs));
                self.traits.entry(path.clone()).or_default().extend(derives(&e.attrs));
                self.add(path, Kind::Enum, signature, !has(&e.attrs, "non_exhaustive"));
            }
            Item::Type(t) if public(&t.vis) => {
                let signature = format!("type{} = {}", tidy(&t.generics), type_text(&t.ty));
                self.add(join(prefix, &t.ident.to_string()), Kind::TypeAlias, signature, false);
            }
            Item::Fn(f) if public(&f.vis) => {
                self.add(
                    join(prefix, &f.sig.ident.to_string()),
                    Kind::Function,
                    signature(&f.sig),
                    false,
                );
            }
            Item::Const(c) if public(&c.vis) => {
                let signature = format!("{} = {}", type_text(&c.ty), tidy(&c.expr));
                self.add(join(prefix, &c.ident.to_string()), Kind::Constant, signature, false);
            }
            Item::Use(u) if public(&u.vis) => {
                let tree = tidy(&u.tree);
                self.add(join(prefix, &format!("{{{tree}}}")), Kind::ReExport, tree, false);
            }
            Item::Impl(imp) => self.implementation(prefix, imp),
            _ => {}
        }
    }

    fn implementation(&mut self, prefix: &str, imp: &syn::ItemImpl) {
        let Some(owner) = self_path(prefix, &imp.self_ty) else {
            return;
        };
        if let Some((_, trait_path, _)) = &imp.trait_ {
            self.traits.entry(owner).or_default().insert(tidy(trait_path));
            return;
        }
        let required = required_setters(imp);
        for item in &imp.items {
            let ImplItem::Fn(f) = item else { continue };
            if !public(&f.vis) {
                continue;
            }
            let name = f.sig.ident.to_string();
            let mut signature = signature(&f.sig);
            if required.contains(&name) {
                signature.push_str(" (required: the request fails without it)");
            }
            self.add(join(&owner, &name), Kind::Method, signature, false);
        }
    }
}

/// A request builder's setters whose field `new()` starts as an error
/// (progenitor's "was not initialized"): the request fails until they are
/// called.
fn required_setters(imp: &syn::ItemImpl) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for item in &imp.items {
        let ImplItem::Fn(f) = item else { continue };
        if f.sig.ident != "new" {
            continue;
        }
        for stmt in &f.block.stmts {
            let syn::Stmt::Expr(syn::Expr::Struct(init), _) = stmt else {
                continue;
            };
            for field in &init.fields {
                let syn::Expr::Call(call) = &field.expr else { continue };
                let syn::Expr::Path(func) = &*call.func else { continue };
                if func.path.is_ident("Err")
                    && let syn::Member::Named(name) = &field.member
                {
                    out.insert(name.to_string());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_types_fields_variants_methods_and_traits() {
        let source = r#"
            pub mod types {
                #[derive(Clone, Debug, ::serde::Serialize)]
                pub struct Report { #[serde(rename = "statusCode")] pub status_code: Option<i32>, hidden: u8 }
                #[derive(Clone, Copy)]
                pub enum Status { Delivered, Failed(String) }
                impl ::std::fmt::Display for Status { fn fmt(&self, f: &mut ::std::fmt::Formatter) -> ::std::fmt::Result { Ok(()) } }
                pub mod builder {
                    pub struct Report { status_code: Result<Option<i32>, String> }
                    impl Report { pub fn status_code<T>(mut self, value: T) -> Self where T: TryInto<Option<i32>> { self } }
                    impl TryFrom<Report> for super::Report { type Error = (); fn try_from(_: Report) -> Result<Self, ()> { Err(()) } }
                }
            }
            pub mod builder {
                pub struct Send<'a> { client: &'a (), to: Result<String, String>, from: Result<Option<String>, String> }
                impl<'a> Send<'a> {
                    pub fn new(client: &'a ()) -> Self { Self { client, to: Err("to was not initialized".to_string()), from: Ok(None) } }
                    pub fn to(self, v: String) -> Self { self }
                    pub fn from(self, v: String) -> Self { self }
                    fn private(self) {}
                }
            }
        "#;
        let surface = public_api(source).unwrap();
        let keys: Vec<&str> = surface.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "builder::Send",
                "builder::Send::from",
                "builder::Send::new",
                "builder::Send::to",
                "types::Report",
                "types::Report::status_code",
                "types::Status",
                "types::Status::Delivered",
                "types::Status::Failed",
                "types::builder::Report",
                "types::builder::Report::status_code",
            ]
        );
        let report = &surface["types::Report"];
        assert!(!report.exhaustive, "a private field forbids struct literals");
        assert!(report.traits.contains("Serialize") && report.traits.contains("TryFrom<Report>"));
        assert_eq!(
            surface["types::Report::status_code"].signature,
            r#"Option<i32> #[serde(rename = "statusCode")]"#
        );
        assert!(surface["types::Status"].exhaustive);
        assert!(surface["types::Status"].traits.contains("::std::fmt::Display"));
        assert_eq!(surface["types::Status::Failed"].signature, "(String)");
        assert!(
            surface["builder::Send::to"]
                .signature
                .ends_with("(required: the request fails without it)")
        );
        assert!(!surface["builder::Send::from"].signature.contains("required"));
    }
}
