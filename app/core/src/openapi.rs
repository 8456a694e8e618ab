//! OpenAPI schemas of what the domain types accept and produce (server only: feature `ssr`).
//! Most types derive `utoipa::ToSchema` beside their serde attributes; here are the ones whose
//! serde representation a derive cannot see (values parsed from strings, chrono's weekday),
//! and the unions the API speaks in: any record, a record as a reader may see it, a sync
//! mutation's arguments.

use crate::domain::{
    Absence, Attendance, CheckIn, Closing, ContactEntry, Email, FollowUp, IdentityNumber, Kind,
    LanguageCode, Note, Participant, Percent, PhoneNumber, Placement, PostalCode, Programme,
    Review, Role, ScheduleEvent, ShortText, Staff, Supervisor, TimeOfDay, TrainingGoal, Workplace,
};
use utoipa::openapi::schema::{
    AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{KnownFormat, Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

type Schemas = Vec<(String, RefOr<Schema>)>;

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::new(Type::String))
}

fn reference<T: ToSchema>() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(T::name()))
}

/// Adds `T` and what it refers to.
fn collect<T: ToSchema>(schemas: &mut Schemas) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

/// A string newtype parsed by its `parse`: its schema says what the parser accepts (as far
/// as JSON Schema can) and what the server writes back (the normalised form).
macro_rules! string_schema {
    ($($type:ty => |$builder:ident| $schema:expr;)*) => {$(
        impl PartialSchema for $type {
            fn schema() -> RefOr<Schema> {
                let $builder = string();
                RefOr::T(Schema::Object($schema.build()))
            }
        }
        impl ToSchema for $type {}
    )*};
}

string_schema! {
    ShortText => |s| s
        .description(Some("One line of 1–200 characters (trimmed)."))
        .min_length(Some(1))
        .max_length(Some(ShortText::MAX))
        .pattern(Some(r"\S"));
    Note => |s| s
        .description(Some("Free text of up to 5,000 characters; line breaks allowed."))
        .max_length(Some(Note::MAX));
    PhoneNumber => |s| s
        .description(Some("7 to 15 digits as people write them, optionally starting with +; spaces, dashes and parentheses allowed."))
        .pattern(Some(r"^\s*\+?[0-9 ()-]*[0-9][0-9 ()-]*\s*$"))
        .min_length(Some(7));
    Email => |s| s
        .description(Some("An e-mail address; stored in lower case."))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
        .max_length(Some(254));
    LanguageCode => |s| s
        .description(Some("An ISO 639-1 or 639-3 language code; stored in lower case."))
        .pattern(Some(r"^\s*[A-Za-z]{2,3}\s*$"));
    PostalCode => |s| s
        .description(Some("A Swedish postal code of five digits; stored as `NNN NN`."))
        .pattern(Some(r"^\s*[0-9]{3}\s*[0-9]{2}\s*$"));
    IdentityNumber => |s| s
        .description(Some("A Swedish personal or coordination number with all 12 digits (`YYYYMMDDNNNN` or `YYYYMMDD-NNNN`) and a valid check digit; stored as 12 digits."))
        .pattern(Some(r"^\s*[0-9]{8}[-+]?[0-9]{4}\s*$"));
    TimeOfDay => |s| s
        .description(Some("A time of day on the Swedish wall clock, `HH:MM`."))
        .pattern(Some(r"^\s*([01][0-9]|2[0-3]):[0-5][0-9]\s*$"));
}

impl PartialSchema for Percent {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::Integer))
            .description(Some("A whole percentage."))
            .minimum(Some(0))
            .maximum(Some(100))
            .into()
    }
}
impl ToSchema for Percent {}

/// A day of the week as chrono writes it (`Mon` … `Sun`).
pub struct Weekday;

impl PartialSchema for Weekday {
    fn schema() -> RefOr<Schema> {
        string()
            .description(Some("A day of the week."))
            .enum_values(Some(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]))
            .into()
    }
}
impl ToSchema for Weekday {}

/// Calls `$on!(Kind::Variant, Type)` style code for every kind: one place that pairs each
/// kind with its record type, checked for completeness by `record_schema_name`.
macro_rules! record_types {
    ($callback:ident) => {
        $callback! {
            Programme => Programme,
            Staff => Staff,
            Workplace => Workplace,
            Supervisor => Supervisor,
            Participant => Participant,
            Placement => Placement,
            ScheduleEvent => ScheduleEvent,
            CheckIn => CheckIn,
            Review => Review,
            Contact => ContactEntry,
            TrainingGoal => TrainingGoal,
            Attendance => Attendance,
            Absence => Absence,
            Closing => Closing,
            FollowUp => FollowUp,
        }
    };
}

macro_rules! record_schemas {
    ($($kind:ident => $type:ty,)*) => {
        /// The name of the schema of one kind's records (a component of the document).
        pub fn record_schema_name(kind: Kind) -> String {
            match kind {
                $(Kind::$kind => <$type as ToSchema>::name().into_owned(),)*
            }
        }

        fn record_references() -> Vec<RefOr<Schema>> {
            vec![$(reference::<$type>(),)*]
        }

        fn collect_records(schemas: &mut Schemas) {
            $(collect::<$type>(schemas);)*
        }
    };
}
record_types!(record_schemas);

/// A record of any kind, in full: what `PUT /records/{kind}/{id}` takes and a full read
/// answers. The kinds' schemas exclude one another (each has fields the others lack, and
/// none allows unknown fields), so exactly one matches.
pub struct AnyRecord;

impl PartialSchema for AnyRecord {
    fn schema() -> RefOr<Schema> {
        let mut one_of = OneOfBuilder::new()
            .description(Some("A record of one of the kinds (the `kind` in the address, or beside the record, says which)."));
        for schema in record_references() {
            one_of = one_of.item(schema);
        }
        one_of.into()
    }
}

impl ToSchema for AnyRecord {
    fn schemas(schemas: &mut Schemas) {
        collect_records(schemas);
    }
}

/// A limited view: what a reader with limited access sees (`limited()` in `access.rs`), an
/// allow-list of the record's fields, always with `id` and `"limited": true`.
pub struct LimitedRecord;

impl PartialSchema for LimitedRecord {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some(
                "Some of a record's fields, as a reader with limited access may see them \
                 (a supervisor sees a participant's first name, `last_initial`, phase and case \
                 manager, and what a recorded consent opens). The fields present have the \
                 types of the full record's.",
            ))
            .property(
                "id",
                string().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
            )
            .required("id")
            .property(
                "limited",
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::Boolean))
                    .enum_values(Some([true])),
            )
            .required("limited")
            .property(
                "last_initial",
                string()
                    .description(Some("A participant's last name's first letter."))
                    .max_length(Some(1)),
            )
            .additional_properties(Some(AdditionalProperties::FreeForm(true)))
            .into()
    }
}
impl ToSchema for LimitedRecord {}

/// A record as the caller may see it: in full (one of the kinds' schemas) or limited.
pub struct VisibleRecord;

impl PartialSchema for VisibleRecord {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .description(Some(
                "The record's fields: all of them, or a limited view with `\"limited\": true`.",
            ))
            .item(reference::<AnyRecord>())
            .item(reference::<LimitedRecord>())
            .into()
    }
}

impl ToSchema for VisibleRecord {
    fn schemas(schemas: &mut Schemas) {
        collect::<AnyRecord>(schemas);
        collect::<LimitedRecord>(schemas);
    }
}

/// What `<kind>.delete` takes.
pub struct DeleteArgs;

impl PartialSchema for DeleteArgs {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some("The id of the record to delete."))
            .property(
                "id",
                string().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
            )
            .required("id")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .into()
    }
}
impl ToSchema for DeleteArgs {}

/// The arguments of a sync mutation: the record for `<kind>.save`, `{ id }` for
/// `<kind>.delete`.
pub struct MutationArgs;

impl PartialSchema for MutationArgs {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(reference::<AnyRecord>())
            .item(reference::<DeleteArgs>())
            .into()
    }
}

impl ToSchema for MutationArgs {
    fn schemas(schemas: &mut Schemas) {
        collect::<AnyRecord>(schemas);
        collect::<DeleteArgs>(schemas);
    }
}

/// The schema of a mutation's name: `<kind>.save` or `<kind>.delete`, for the known kinds.
pub fn mutation_name() -> Schema {
    let names: Vec<String> = Kind::ALL
        .iter()
        .flat_map(|kind| [format!("{kind}.save"), format!("{kind}.delete")])
        .collect();
    Schema::Object(string().enum_values(Some(names)).build())
}

/// The roles an invite is for: `participant` or `supervisor`.
pub fn invite_role() -> Schema {
    let roles = [Role::Participant, Role::Supervisor].map(Role::as_str);
    Schema::Object(string().enum_values(Some(roles)).build())
}
