//! The words of column names the draft knows: which name a user id, an email, the event, the
//! event's time, money or a person's traits, as lowercase letters and digits
//! (`E-mail Address` → `emailaddress`).

/// Column names (as keys) that name the event.
pub(super) const EVENT_NAMES: [&str; 5] =
    ["event", "eventname", "eventtype", "eventaction", "action"];
pub(super) const USER_ID: [&str; 11] = [
    "userid",
    "user",
    "customerid",
    "externalid",
    "uid",
    "memberid",
    "accountid",
    "customer",
    "customernumber",
    "customerno",
    "kundennummer",
];
pub(super) const ANONYMOUS_ID: [&str; 4] = ["anonymousid", "anonid", "visitorid", "visitor"];
pub(super) const EMAIL: [&str; 4] = ["email", "emailaddress", "mail", "emailaddr"];
pub(super) const CREATED: [&str; 7] = [
    "createdat",
    "createdate",
    "created",
    "creationdate",
    "signupdate",
    "signedupat",
    "createdutc",
];
pub(super) const EVENT_TIME: [&str; 8] = [
    "timestamp",
    "eventtime",
    "time",
    "date",
    "occurredat",
    "createdat",
    "created",
    "createdutc",
];
/// Parts of column names that hold money.
pub(super) const AMOUNT: [&str; 9] = [
    "amount", "total", "price", "revenue", "mrr", "betrag", "value", "cost", "fee",
];
/// Traits of a person, with their names in Segment's spec.
pub(super) const PERSON: [(&str, &str); 14] = [
    ("firstname", "firstName"),
    ("givenname", "firstName"),
    ("lastname", "lastName"),
    ("surname", "lastName"),
    ("familyname", "lastName"),
    ("phone", "phone"),
    ("phonenumber", "phone"),
    ("mobile", "phone"),
    ("username", "username"),
    ("title", "title"),
    ("jobtitle", "title"),
    ("company", "company.name"),
    ("companyname", "company.name"),
    ("birthday", "birthday"),
];
