//! The words of column names the draft knows: which name a user id, an email, the event, the
//! event's time, money or a person's traits, as lowercase letters and digits
//! (`E-mail Address` → `emailaddress`).

/// Column names (as keys) that name the event.
pub(super) const EVENT_NAMES: [&str; 6] = [
    "event",
    "eventname",
    "eventtype",
    "eventaction",
    "action",
    "transactiontype",
];
/// Words of column names that name a person, best first: a column named by one of them with an
/// id after it (`user_id`, `Customer ID`, `customers.id`, `OWNERID`), or alone for the first two
/// (`user`, `links.customer`), holds the person's id. The rank is the word's place here: a user
/// id beats a customer id beats a contact's… beats an account's (often a company's).
pub(super) const PERSON_ID_WORDS: [(&str, u8); 11] = [
    ("user", 0),
    ("customer", 1),
    ("contact", 2),
    ("member", 2),
    ("employee", 2),
    ("subscriber", 2),
    ("lead", 2),
    ("requester", 2),
    ("external", 3),
    ("owner", 4),
    ("account", 5),
];
/// The rank of an account's id among [`PERSON_ID_WORDS`]: an account is a person's only when
/// nothing else is; beside one it is the company (`context.groupId`).
pub(super) const ACCOUNT_RANK: u8 = 5;
/// Whole names of a person's id that no word rule finds.
pub(super) const PERSON_ID_NAMES: [&str; 8] = [
    "uid",
    // An employee's id in HR exports (`EEID`, `EmpID`).
    "eeid",
    "empid",
    "customernumber",
    "customerno",
    "kundennummer",
    "kundennr",
    "kundenid",
];
/// What follows a word to make a column an id (`customer` + `id`, `number`, `no`…).
pub(super) const ID_SUFFIXES: [&str; 6] = ["id", "number", "no", "nr", "uuid", "key"];
/// Names of an anonymous visitor's or device's id: the end of a name (`segment_anonymous_id`,
/// Mixpanel's `distinct_id`, the device's until the person logs in), or a whole name (Matomo's
/// `fingerprint`, the browser's; a `Card Fingerprint` is a card's).
pub(super) const ANONYMOUS_ID_ENDS: [&str; 3] = ["anonymousid", "distinctid", "visitorid"];
pub(super) const ANONYMOUS_ID_NAMES: [&str; 3] = ["anonid", "visitor", "fingerprint"];
/// Names of a row's own id, the record's and not a person's: the person in a table of people,
/// the company in a table of companies, a property of a table of things that happened.
pub(super) const OWN_ID: [&str; 6] = ["id", "recordid", "rowid", "objectid", "uuid", "guid"];
/// How a row's own id begins in other languages (`Identifiant dans le SI`).
pub(super) const OWN_ID_PREFIXES: [&str; 2] = ["identifiant", "identifier"];
/// Names of a company's or account's id: the groupId of a group call.
pub(super) const GROUP_ID: [&str; 6] = [
    "groupid",
    "companyid",
    "organizationid",
    "organisationid",
    "orgid",
    "accountid",
];
/// Names of a company's name: a group's id when there is no other, as a guess.
pub(super) const GROUP_NAME: [&str; 4] = ["companyname", "company", "accountname", "organization"];
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
/// Names of the event's time, best first (whole names).
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
/// Parts of names of the event's time, best first: when it was created, ordered, paid…; a
/// survey response's when it was recorded or ended (submitted), not when it was started.
pub(super) const EVENT_TIME_PARTS: [&str; 14] = [
    "created",
    "ordered",
    "orderdate",
    "paid",
    "occurred",
    "submitted",
    "recorded",
    "enddate",
    "transactiondate",
    "eventtime",
    "datetime",
    "timestamp",
    "time",
    "date",
];
/// Parts of names of dates that are not when the row's event happened: a record's later
/// changes, a person's birth, a deadline.
pub(super) const NOT_EVENT_TIME_PARTS: [&str; 9] = [
    "modified",
    "updated",
    "modstamp",
    "lastactivity",
    "birth",
    "naissance",
    "expir",
    "due",
    "synced",
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

/// Words of file names that say what a row is, with the call it makes: people are identified,
/// companies grouped, things that happened tracked, page views paged. Each is written as it
/// appears (singular and plural); a word counts when it ends its part of the name or a filler
/// word follows it (`fakeleaddata`, `accountData`).
pub(super) const ROW_WORDS: &[(&str, RowIs)] = &[
    ("contact", RowIs::Person),
    ("customer", RowIs::Person),
    ("member", RowIs::Person),
    ("subscriber", RowIs::Person),
    ("lead", RowIs::Person),
    ("user", RowIs::Person),
    ("audience", RowIs::Person),
    ("people", RowIs::Person),
    ("person", RowIs::Person),
    ("client", RowIs::Person),
    ("beneficiaire", RowIs::Person),
    ("beneficiary", RowIs::Person),
    ("beneficiarie", RowIs::Person),
    ("kunde", RowIs::Person),
    ("employee", RowIs::Person),
    ("staff", RowIs::Person),
    ("company", RowIs::Company),
    ("companie", RowIs::Company),
    ("account", RowIs::Company),
    ("organization", RowIs::Company),
    ("organisation", RowIs::Company),
    ("order", RowIs::Happened),
    ("purchase", RowIs::Happened),
    ("payment", RowIs::Happened),
    ("transaction", RowIs::Happened),
    ("sale", RowIs::Happened),
    ("charge", RowIs::Happened),
    ("invoice", RowIs::Happened),
    ("refund", RowIs::Happened),
    ("statement", RowIs::Happened),
    ("ticket", RowIs::Happened),
    ("session", RowIs::Happened),
    ("visit", RowIs::Happened),
    ("subscription", RowIs::Happened),
    ("response", RowIs::Happened),
    ("submission", RowIs::Happened),
    ("signup", RowIs::Happened),
    ("event", RowIs::Happened),
    ("activity", RowIs::Happened),
    ("activitie", RowIs::Happened),
    ("earning", RowIs::Happened),
    ("opportunity", RowIs::Happened),
    ("opportunitie", RowIs::Happened),
    ("deal", RowIs::Happened),
    ("bestellung", RowIs::Happened),
    ("pageview", RowIs::PageView),
];
/// Words that may follow a row word inside one part of a file name (`lead` + `data`).
pub(super) const FILLER_WORDS: [&str; 9] = [
    "data", "export", "list", "report", "details", "table", "dump", "log", "file",
];

/// What a row of a file is, by the words of its name or its columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RowIs {
    Person,
    Company,
    Happened,
    PageView,
}

/// Events of Segment's spec a file of things that happened is, by its row word: only where the
/// spec names one (its e-commerce and B2B SaaS events).
pub(super) const SPEC_EVENTS: [(&str, &str, &str); 4] = [
    ("order", "Order Completed", "e-commerce"),
    ("purchase", "Order Completed", "e-commerce"),
    ("bestellung", "Order Completed", "e-commerce"),
    ("signup", "Signed Up", "B2B SaaS"),
];

/// The event verbs of known event logs and the names Segment's e-commerce spec gives those
/// events (Product Viewed, Product Added, Product Removed, Order Completed): a column whose
/// sampled values are all verbs of one of them is the event, sent through a `values` table
/// of the whole vocabulary (a verb the sample did not reach is renamed too).
pub(super) const EVENT_VOCABULARIES: [(&str, &[(&str, &str)]); 2] = [
    // Event logs of online stores, as in the public e-commerce behaviour data sets
    // (`event_type`: view, cart, remove_from_cart, purchase).
    (
        "e-commerce",
        &[
            ("view", "Product Viewed"),
            ("cart", "Product Added"),
            ("remove_from_cart", "Product Removed"),
            ("purchase", "Order Completed"),
        ],
    ),
    // The same events as other store logs write them (`event`: view, addtocart, transaction).
    (
        "e-commerce",
        &[
            ("view", "Product Viewed"),
            ("addtocart", "Product Added"),
            ("removefromcart", "Product Removed"),
            ("transaction", "Order Completed"),
        ],
    ),
];

/// Names (as keys) of the column that numbers an order, best first: the key of a line-item
/// export's `group` when its value repeats on an order's rows (WooCommerce's and BigCommerce's
/// `Order ID`, `Order Number`, Magento's `Order #`). Shopify's `Name` (`#1001`) counts too, but
/// only when its values are written `#…` (see [`super::group`]).
pub(super) const ORDER_KEYS: [&str; 6] = [
    "orderid",
    "ordernumber",
    "orderno",
    "ordernr",
    "order",
    "bestellnummer",
];

/// An order's columns (as keys) and the property Segment's e-commerce spec gives them in
/// `Order Completed`, and whether it is a number: the total, the revenue (the subtotal, before
/// shipping and tax), shipping, tax, discount, the coupon and the currency, as Shopify,
/// WooCommerce and BigCommerce name them.
pub(super) const ORDER_FIELDS: [(&str, &str, bool); 35] = [
    ("total", "total", true),
    ("ordertotal", "total", true),
    ("ordertotalinctax", "total", true),
    ("totalinctax", "total", true),
    ("grandtotal", "total", true),
    ("subtotal", "revenue", true),
    ("ordersubtotal", "revenue", true),
    ("ordersubtotalamount", "revenue", true),
    ("subtotalextax", "revenue", true),
    ("shipping", "shipping", true),
    ("ordershipping", "shipping", true),
    ("ordershippingamount", "shipping", true),
    ("shippingcost", "shipping", true),
    ("shippingcostinctax", "shipping", true),
    ("shippingtotal", "shipping", true),
    ("tax", "tax", true),
    ("taxes", "tax", true),
    ("ordertax", "tax", true),
    ("ordertaxamount", "tax", true),
    ("taxtotal", "tax", true),
    ("totaltax", "tax", true),
    ("discount", "discount", true),
    ("discountamount", "discount", true),
    ("cartdiscount", "discount", true),
    ("cartdiscountamount", "discount", true),
    ("orderdiscount", "discount", true),
    ("discounttotal", "discount", true),
    ("discountcode", "coupon", false),
    ("couponcode", "coupon", false),
    ("coupon", "coupon", false),
    ("couponcodes", "coupon", false),
    ("currency", "currency", false),
    ("ordercurrency", "currency", false),
    ("ordercurrencycode", "currency", false),
    ("currencycode", "currency", false),
];

/// A line item's columns (as keys) and the property of a product in `Order Completed`'s
/// `products` that Segment's e-commerce spec gives them, and whether it is a number.
pub(super) const ITEM_FIELDS: [(&str, &str, bool); 35] = [
    ("productid", "product_id", false),
    ("lineitemproductid", "product_id", false),
    ("itemproductid", "product_id", false),
    ("sku", "sku", false),
    ("lineitemsku", "sku", false),
    ("productsku", "sku", false),
    ("itemsku", "sku", false),
    ("lineitemname", "name", false),
    ("itemname", "name", false),
    ("productname", "name", false),
    ("producttitle", "name", false),
    ("lineitemprice", "price", true),
    ("itemcost", "price", true),
    ("itemprice", "price", true),
    ("productprice", "price", true),
    ("productunitprice", "price", true),
    ("unitprice", "price", true),
    ("lineitemquantity", "quantity", true),
    ("quantity", "quantity", true),
    ("qty", "quantity", true),
    ("itemquantity", "quantity", true),
    ("itemqty", "quantity", true),
    ("productqty", "quantity", true),
    ("productquantity", "quantity", true),
    ("category", "category", false),
    ("productcategory", "category", false),
    ("itemcategory", "category", false),
    ("vendor", "brand", false),
    ("brand", "brand", false),
    ("lineitemvendor", "brand", false),
    ("productbrand", "brand", false),
    ("variant", "variant", false),
    ("lineitemvariant", "variant", false),
    ("productvariant", "variant", false),
    ("productvariationdetails", "variant", false),
];

/// The first words of a line item's other columns (`Lineitem compare at price`, `Item Meta`,
/// `Product Weight`): each goes into `products`, named by the words after it in snake_case.
pub(super) const ITEM_PREFIXES: [&[&str]; 4] =
    [&["lineitem"], &["line", "item"], &["item"], &["product"]];
