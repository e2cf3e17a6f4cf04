/* faker.c - the builtin faker source ("builtin:faker"): e-commerce sample data (streams users,
 * products, purchases) shaped like Airbyte's source-faker (docs.airbyte.com/integrations/sources/
 * faker; airbytehq/airbyte airbyte-integrations/connectors/source-faker), but deterministic: every
 * record is a pure function of (seed, stream, id, version), so tests and replays can predict it.
 * Runs on the worker thread that calls read; the source keeps no state between calls. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "connectors/connectors.h"

#define FK_T0 1704067200LL          /* 2024-01-01T00:00:00Z, seconds */
#define FK_VERSION_STRIDE 1000000LL /* updated_at = T0 + version * stride + id (seconds) */
#define FK_MAX_COUNT 1000000000LL
#define FK_MAX_PRODUCTS 100
#define FK_MAX_SLEEP_MS 60000
#define FK_CANCEL_EVERY 1000
#define FK_DAY 86400LL

/* ---- configuration ---- */

struct fk_config {
    int64_t count, seed, records_per_slice, parallelism, sleep_ms;
    bool always_updated;
};

/* Integer options: key, default, range, where they go. */
static const struct fk_int_opt {
    const char *key;
    int64_t dflt, min, max;
    size_t off;
} fk_int_opts[] = {
    {"count", 1000, 1, FK_MAX_COUNT, offsetof(struct fk_config, count)},
    {"seed", 0, INT64_MIN, INT64_MAX, offsetof(struct fk_config, seed)},
    {"records_per_slice", 1000, 1, INT64_MAX, offsetof(struct fk_config, records_per_slice)},
    {"parallelism", 4, 1, 1024, offsetof(struct fk_config, parallelism)},
    {"sleep_ms_per_slice", 0, 0, FK_MAX_SLEEP_MS, offsetof(struct fk_config, sleep_ms)},
};

/* Reads and validates config (NULL = all defaults); on error writes the reason to why. */
static int fk_config_parse(const struct wv_json *config, struct fk_config *cfg, char *why, size_t n)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->always_updated = true;
    for (size_t i = 0; i < sizeof fk_int_opts / sizeof fk_int_opts[0]; i++)
        *(int64_t *)(void *)((char *)cfg + fk_int_opts[i].off) = fk_int_opts[i].dflt;
    if (!config)
        return 0;
    if (!wv_json_is(config, WV_JSON_OBJECT)) {
        snprintf(why, n, "config must be a JSON object, not %s", wv_json_type_name(config->type));
        return -1;
    }
    for (size_t i = 0; i < sizeof fk_int_opts / sizeof fk_int_opts[0]; i++) {
        const struct fk_int_opt *o = &fk_int_opts[i];
        const struct wv_json *v = wv_json_get(config, o->key);
        int64_t x;
        if (!v || v->type == WV_JSON_NULL)
            continue;
        if (wv_json_as_i64(v, &x) < 0) {
            snprintf(why, n, "'%s' must be an integer", o->key);
            return -1;
        }
        if (x < o->min || x > o->max) {
            if (o->max == INT64_MAX)
                snprintf(why, n, "'%s' must be at least %lld", o->key, (long long)o->min);
            else
                snprintf(why, n, "'%s' must be between %lld and %lld", o->key, (long long)o->min,
                         (long long)o->max);
            return -1;
        }
        *(int64_t *)(void *)((char *)cfg + o->off) = x;
    }
    const struct wv_json *au = wv_json_get(config, "always_updated");
    if (au && au->type != WV_JSON_NULL) {
        if (au->type != WV_JSON_BOOL) {
            snprintf(why, n, "'always_updated' must be a boolean");
            return -1;
        }
        cfg->always_updated = au->b;
    }
    return 0;
}

/* ---- deterministic randomness (splitmix64) ---- */

enum { FK_TAG_USER = 1, FK_TAG_USER_VERSION, FK_TAG_PRODUCT, FK_TAG_NPURCHASES, FK_TAG_PURCHASE };

struct fk_rng {
    uint64_t s;
};

/* The splitmix64 finalizer. */
static uint64_t fk_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Seeds a generator from everything a value depends on. */
static void fk_rng_init(struct fk_rng *r, int64_t seed, unsigned tag, int64_t id, int64_t version)
{
    uint64_t h = fk_mix((uint64_t)seed + 0x9e3779b97f4a7c15ULL);
    h = fk_mix(h ^ ((uint64_t)tag * 0xd1b54a32d192ed03ULL));
    h = fk_mix(h ^ (uint64_t)id);
    r->s = fk_mix(h ^ ((uint64_t)version * 0x8cb92ba72f3d8dd7ULL));
}

/* Next 64 random bits. */
static uint64_t fk_next(struct fk_rng *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return fk_mix(r->s);
}

/* Uniform in [0, n). */
static uint32_t fk_below(struct fk_rng *r, uint32_t n)
{
    return (uint32_t)(((fk_next(r) >> 32) * n) >> 32);
}

/* Uniform in [lo, hi]. */
static int64_t fk_range(struct fk_rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(fk_next(r) % (uint64_t)(hi - lo + 1));
}

#define FK_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define FK_PICK(r, a) ((a)[fk_below((r), (uint32_t)FK_LEN(a))])

/* ---- word lists ---- */

static const char *const fk_male[] = {
    "James",  "John",    "Robert", "Michael", "William", "David", "Richard", "Joseph",
    "Thomas", "Charles", "Daniel", "Matthew", "Anthony", "Mark",  "Paul",    "Steven",
    "Andrew", "Kenneth", "Joshua", "Kevin",   "Hiroshi", "Luis",  "Ahmed",   "Pierre"};
static const char *const fk_female[] = {
    "Mary",  "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara",  "Susan",  "Jessica",
    "Sarah", "Karen",    "Nancy",    "Lisa",  "Betty",     "Margaret", "Sandra", "Ashley",
    "Emily", "Donna",    "Michelle", "Laura", "Yuki",      "Lucia",    "Fatima", "Amelie"};
static const char *const fk_last[] = {
    "Smith",     "Johnson",  "Williams",  "Brown",   "Jones",    "Garcia",   "Miller",   "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez",   "Gonzalez", "Wilson",   "Anderson", "Thomas",
    "Taylor",    "Moore",    "Jackson",   "Martin",  "Lee",      "Perez",    "Thompson", "White",
    "Harris",    "Sanchez",  "Clark",     "Ramirez", "Lewis",    "Robinson", "Tanaka",   "Dubois"};
static const char *const fk_languages[] = {"English",  "Spanish",    "French", "German", "Chinese",
                                           "Japanese", "Portuguese", "Arabic", "Hindi",  "Italian",
                                           "Korean",   "Russian",    "Dutch",  "Swedish"};
static const char *const fk_nationalities[] = {
    "American", "Canadian", "British", "French",  "German",     "Spanish", "Mexican", "Brazilian",
    "Japanese", "Chinese",  "Indian",  "Italian", "Australian", "Dutch",   "Swedish", "Nigerian"};
static const char *const fk_degrees[] = {"Bachelor", "Master", "PhD"};
static const char *const fk_occupations[] = {
    "Accountant",  "Architect",        "Baker",
    "Carpenter",   "Chemist",          "Data Analyst",
    "Dentist",     "Electrician",      "Engineer",
    "Firefighter", "Graphic Designer", "Journalist",
    "Lawyer",      "Librarian",        "Mechanic",
    "Nurse",       "Pharmacist",       "Photographer",
    "Pilot",       "Plumber",          "Software Developer",
    "Teacher",     "Translator",       "Veterinarian"};
static const char *const fk_blood_types[] = {"O+", "O-", "A+", "A-", "B+", "B-", "AB+", "AB-"};
static const char *const fk_domains[] = {"example.com", "example.org", "example.net"};
static const char *const fk_streets[] = {
    "Maple Avenue",     "Oak Street",       "Pine Road",     "Cedar Lane",
    "Elm Street",       "Birch Way",        "Willow Drive",  "Chestnut Court",
    "Spruce Boulevard", "Hillside Terrace", "Lakeview Road", "Park Place",
    "Church Street",    "Mill Lane",        "River Road",    "Station Road"};
static const struct fk_place {
    const char *city, *state, *country;
    int zip; /* first three digits of the postal code */
} fk_places[] = {
    {"Springfield", "Illinois", "US", 627},
    {"Portland", "Oregon", "US", 972},
    {"Austin", "Texas", "US", 787},
    {"Madison", "Wisconsin", "US", 537},
    {"Boulder", "Colorado", "US", 803},
    {"Savannah", "Georgia", "US", 314},
    {"Toronto", "Ontario", "CA", 411},
    {"Vancouver", "British Columbia", "CA", 604},
    {"Lyon", "Auvergne-Rhone-Alpes", "FR", 690},
    {"Munich", "Bavaria", "DE", 803},
    {"Valencia", "Valencia", "ES", 460},
    {"Osaka", "Osaka", "JP", 530},
    {"Melbourne", "Victoria", "AU", 300},
    {"Leeds", "Yorkshire", "GB", 151},
};
static const struct fk_model {
    const char *make, *model;
} fk_models[] = {
    {"Toyota", "Corolla"},  {"Toyota", "RAV4"},  {"Honda", "Civic"},      {"Honda", "Accord"},
    {"Ford", "F-150"},      {"Ford", "Mustang"}, {"Chevrolet", "Malibu"}, {"Tesla", "Model 3"},
    {"Volkswagen", "Golf"}, {"BMW", "3 Series"}, {"Audi", "A4"},          {"Subaru", "Outback"},
    {"Mazda", "CX-5"},      {"Nissan", "Leaf"},  {"Hyundai", "Elantra"},  {"Kia", "Soul"},
    {"Volvo", "XC60"},      {"Porsche", "911"},  {"Jeep", "Wrangler"},    {"Fiat", "500"},
};

/* ---- record shapes (one list per stream: the records and the JSON schemas both follow it) ---- */

enum fk_kind { FK_INT, FK_NUM, FK_STR, FK_TS, FK_TS_NULL, FK_ADDR };

struct fk_field {
    const char *key;
    enum fk_kind kind;
    const char *desc;
};

#define FK_USER_FIELDS(X)                                                                          \
    X(U_ID, "id", FK_INT, "Unique identifier of the user")                                         \
    X(U_CREATED_AT, "created_at", FK_TS, "When the user was created")                              \
    X(U_UPDATED_AT, "updated_at", FK_TS, "When the user was last updated")                         \
    X(U_NAME, "name", FK_STR, "Full name")                                                         \
    X(U_TITLE, "title", FK_STR, "Form of address")                                                 \
    X(U_AGE, "age", FK_INT, "Age in years")                                                        \
    X(U_EMAIL, "email", FK_STR, "Email address")                                                   \
    X(U_TELEPHONE, "telephone", FK_STR, "Telephone number")                                        \
    X(U_GENDER, "gender", FK_STR, "Gender")                                                        \
    X(U_LANGUAGE, "language", FK_STR, "Language spoken")                                           \
    X(U_ACADEMIC_DEGREE, "academic_degree", FK_STR, "Highest academic degree")                     \
    X(U_NATIONALITY, "nationality", FK_STR, "Nationality")                                         \
    X(U_OCCUPATION, "occupation", FK_STR, "Occupation")                                            \
    X(U_HEIGHT, "height", FK_STR, "Height in metres")                                              \
    X(U_BLOOD_TYPE, "blood_type", FK_STR, "Blood type")                                            \
    X(U_WEIGHT, "weight", FK_INT, "Weight in kilograms")                                           \
    X(U_ADDRESS, "address", FK_ADDR, "Postal address")

#define FK_ADDRESS_FIELDS(X)                                                                       \
    X(A_STREET_NUMBER, "street_number", FK_STR, "Street number")                                   \
    X(A_STREET_NAME, "street_name", FK_STR, "Street name")                                         \
    X(A_CITY, "city", FK_STR, "City")                                                              \
    X(A_STATE, "state", FK_STR, "State")                                                           \
    X(A_PROVINCE, "province", FK_STR, "Province")                                                  \
    X(A_POSTAL_CODE, "postal_code", FK_STR, "Postal code")                                         \
    X(A_COUNTRY_CODE, "country_code", FK_STR, "ISO 3166-1 alpha-2 country code")

#define FK_PRODUCT_FIELDS(X)                                                                       \
    X(P_ID, "id", FK_INT, "Unique identifier of the product")                                      \
    X(P_MAKE, "make", FK_STR, "Manufacturer")                                                      \
    X(P_MODEL, "model", FK_STR, "Model name")                                                      \
    X(P_YEAR, "year", FK_INT, "Model year")                                                        \
    X(P_PRICE, "price", FK_NUM, "Price in dollars")                                                \
    X(P_CREATED_AT, "created_at", FK_TS, "When the product was created")                           \
    X(P_UPDATED_AT, "updated_at", FK_TS, "When the product was last updated")

#define FK_PURCHASE_FIELDS(X)                                                                      \
    X(B_ID, "id", FK_INT, "Unique identifier of the purchase")                                     \
    X(B_PRODUCT_ID, "product_id", FK_INT, "The product bought")                                    \
    X(B_USER_ID, "user_id", FK_INT, "The user who bought it")                                      \
    X(B_ADDED_TO_CART_AT, "added_to_cart_at", FK_TS, "When the product was added to the cart")     \
    X(B_PURCHASED_AT, "purchased_at", FK_TS_NULL, "When it was bought (null: never)")              \
    X(B_RETURNED_AT, "returned_at", FK_TS_NULL, "When it was returned (null: never)")              \
    X(B_CREATED_AT, "created_at", FK_TS, "When the purchase was created")                          \
    X(B_UPDATED_AT, "updated_at", FK_TS, "When the purchase was last updated")

#define FK_X_ENUM(id, key, kind, desc) id,
#define FK_X_FIELD(id, key, kind, desc) {key, kind, desc},
enum { FK_USER_FIELDS(FK_X_ENUM) FK_N_USER };
enum { FK_ADDRESS_FIELDS(FK_X_ENUM) FK_N_ADDRESS };
enum { FK_PRODUCT_FIELDS(FK_X_ENUM) FK_N_PRODUCT };
enum { FK_PURCHASE_FIELDS(FK_X_ENUM) FK_N_PURCHASE };
static const struct fk_field fk_user_fields[] = {FK_USER_FIELDS(FK_X_FIELD)};
static const struct fk_field fk_address_fields[] = {FK_ADDRESS_FIELDS(FK_X_FIELD)};
static const struct fk_field fk_product_fields[] = {FK_PRODUCT_FIELDS(FK_X_FIELD)};
static const struct fk_field fk_purchase_fields[] = {FK_PURCHASE_FIELDS(FK_X_FIELD)};
#undef FK_X_ENUM
#undef FK_X_FIELD

enum fk_stream_id { FK_USERS, FK_PRODUCTS, FK_PURCHASES, FK_N_STREAMS };

static const struct fk_stream_def {
    const char *name;
    const struct fk_field *fields;
    size_t n_fields;
    int64_t row_bytes; /* rough size of one record, for the estimate */
} fk_streams[FK_N_STREAMS] = {
    {"users", fk_user_fields, FK_N_USER, 520},
    {"products", fk_product_fields, FK_N_PRODUCT, 180},
    {"purchases", fk_purchase_fields, FK_N_PURCHASE, 260},
};

/* ---- small text building without printf (the record loop is hot) ---- */

struct fk_sb {
    char b[192];
    size_t n;
};

/* Appends a string (truncating at the buffer's end). */
static void fk_sb_str(struct fk_sb *sb, const char *s)
{
    while (*s && sb->n < sizeof sb->b - 1)
        sb->b[sb->n++] = *s++;
    sb->b[sb->n] = '\0';
}

/* Appends a string in lower case, spaces dropped. */
static void fk_sb_lower(struct fk_sb *sb, const char *s)
{
    for (; *s && sb->n < sizeof sb->b - 1; s++)
        if (*s != ' ')
            sb->b[sb->n++] = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
    sb->b[sb->n] = '\0';
}

/* Appends a non-negative number, zero-padded to width digits. */
static void fk_sb_uint(struct fk_sb *sb, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < (int)sizeof tmp);
    while (n < width && n < (int)sizeof tmp)
        tmp[n++] = '0';
    while (n > 0 && sb->n < sizeof sb->b - 1)
        sb->b[sb->n++] = tmp[--n];
    sb->b[sb->n] = '\0';
}

/* Appends epoch seconds as "YYYY-MM-DDTHH:MM:SS+00:00" (source-faker's format). */
static void fk_sb_time(struct fk_sb *sb, int64_t sec)
{
    struct wv_tm t;
    wv_time_split(sec * 1000, &t);
    fk_sb_uint(sb, (uint64_t)t.year, 4);
    fk_sb_str(sb, "-");
    fk_sb_uint(sb, (uint64_t)t.month, 2);
    fk_sb_str(sb, "-");
    fk_sb_uint(sb, (uint64_t)t.day, 2);
    fk_sb_str(sb, "T");
    fk_sb_uint(sb, (uint64_t)t.hour, 2);
    fk_sb_str(sb, ":");
    fk_sb_uint(sb, (uint64_t)t.min, 2);
    fk_sb_str(sb, ":");
    fk_sb_uint(sb, (uint64_t)t.sec, 2);
    fk_sb_str(sb, "+00:00");
}

/* A JSON string of a timestamp. */
static struct wv_json *fk_json_time(int64_t sec)
{
    struct fk_sb sb = {.n = 0};
    fk_sb_time(&sb, sec);
    return wv_json_strn(sb.b, sb.n);
}

/* A JSON string of a zero-padded number. */
static struct wv_json *fk_json_digits(uint64_t v, int width)
{
    struct fk_sb sb = {.n = 0};
    fk_sb_uint(&sb, v, width);
    return wv_json_strn(sb.b, sb.n);
}

/* Replaces the value at position i of a record object built from a field list. */
static void fk_put(struct wv_json *obj, size_t i, struct wv_json *v)
{
    wv_json_free(obj->items[i]);
    obj->items[i] = v;
}

/* The updated_at of a record of a given version. */
static int64_t fk_updated_at(int64_t id, int64_t version)
{
    return FK_T0 + version * FK_VERSION_STRIDE + id;
}

/* ---- generators: fill a record object in place ---- */

/* Address of a user (from the user's version-independent generator). */
static void fk_fill_address(struct wv_json *a, struct fk_rng *r)
{
    const struct fk_place *p = &fk_places[fk_below(r, (uint32_t)FK_LEN(fk_places))];
    fk_put(a, A_STREET_NUMBER, fk_json_digits((uint64_t)fk_range(r, 1, 9999), 1));
    fk_put(a, A_STREET_NAME, wv_json_str(FK_PICK(r, fk_streets)));
    fk_put(a, A_CITY, wv_json_str(p->city));
    fk_put(a, A_STATE, wv_json_str(p->state));
    fk_put(a, A_PROVINCE, wv_json_str(p->state));
    fk_put(a, A_POSTAL_CODE, fk_json_digits((uint64_t)(p->zip * 100 + fk_range(r, 0, 99)), 5));
    fk_put(a, A_COUNTRY_CODE, wv_json_str(p->country));
}

/* User `id` as of `version`: identity fixed per id; age, email, occupation, weight and
 * updated_at follow the version. */
static void fk_fill_user(struct wv_json *o, int64_t seed, int64_t id, int64_t version)
{
    struct fk_rng r, rv;
    struct fk_sb sb = {.n = 0};
    fk_rng_init(&r, seed, FK_TAG_USER, id, 0);
    uint32_t g = fk_below(&r, 100);
    const char *gender = g < 49 ? "Male" : g < 98 ? "Female" : "Other";
    const char *first = g < 49 ? FK_PICK(&r, fk_male) : FK_PICK(&r, fk_female);
    const char *last = FK_PICK(&r, fk_last);
    uint32_t t = fk_below(&r, 20);
    const char *title = t == 0 ? "Dr." : t == 1 ? "Prof." : g < 49 ? "Mr." : g < 98 ? "Ms." : "Mx.";
    fk_put(o, U_ID, wv_json_int(id));
    fk_put(o, U_CREATED_AT, fk_json_time(FK_T0 - fk_range(&r, FK_DAY, 3 * 365 * FK_DAY)));
    fk_put(o, U_UPDATED_AT, fk_json_time(fk_updated_at(id, version)));
    fk_sb_str(&sb, first);
    fk_sb_str(&sb, " ");
    fk_sb_str(&sb, last);
    fk_put(o, U_NAME, wv_json_strn(sb.b, sb.n));
    fk_put(o, U_TITLE, wv_json_str(title));
    sb.n = 0;
    fk_sb_str(&sb, "+1-");
    fk_sb_uint(&sb, (uint64_t)fk_range(&r, 201, 989), 3);
    fk_sb_str(&sb, "-555-");
    fk_sb_uint(&sb, (uint64_t)fk_range(&r, 0, 9999), 4);
    fk_put(o, U_TELEPHONE, wv_json_strn(sb.b, sb.n));
    fk_put(o, U_GENDER, wv_json_str(gender));
    fk_put(o, U_LANGUAGE, wv_json_str(FK_PICK(&r, fk_languages)));
    fk_put(o, U_ACADEMIC_DEGREE, wv_json_str(FK_PICK(&r, fk_degrees)));
    fk_put(o, U_NATIONALITY, wv_json_str(FK_PICK(&r, fk_nationalities)));
    sb.n = 0;
    fk_sb_str(&sb, "1.");
    fk_sb_uint(&sb, (uint64_t)fk_range(&r, 50, 99), 2);
    fk_put(o, U_HEIGHT, wv_json_strn(sb.b, sb.n));
    fk_put(o, U_BLOOD_TYPE, wv_json_str(FK_PICK(&r, fk_blood_types)));
    fk_fill_address(o->items[U_ADDRESS], &r);

    fk_rng_init(&rv, seed, FK_TAG_USER_VERSION, id, version);
    fk_put(o, U_AGE, wv_json_int(fk_range(&rv, 18, 80)));
    sb.n = 0;
    fk_sb_lower(&sb, first);
    fk_sb_str(&sb, ".");
    fk_sb_lower(&sb, last);
    fk_sb_uint(&sb, (uint64_t)fk_range(&rv, 1, 999), 1);
    fk_sb_str(&sb, "@");
    fk_sb_str(&sb, FK_PICK(&rv, fk_domains));
    fk_put(o, U_EMAIL, wv_json_strn(sb.b, sb.n));
    fk_put(o, U_OCCUPATION, wv_json_str(FK_PICK(&rv, fk_occupations)));
    fk_put(o, U_WEIGHT, wv_json_int(fk_range(&rv, 45, 120)));
}

/* Product `id` (a fixed catalog; only updated_at follows the version). */
static void fk_fill_product(struct wv_json *o, int64_t seed, int64_t id, int64_t version)
{
    struct fk_rng r;
    struct fk_sb sb = {.n = 0};
    fk_rng_init(&r, seed, FK_TAG_PRODUCT, id, 0);
    const struct fk_model *m = &fk_models[fk_below(&r, (uint32_t)FK_LEN(fk_models))];
    int64_t cents = fk_range(&r, 500000, 9000000);
    fk_put(o, P_ID, wv_json_int(id));
    fk_put(o, P_MAKE, wv_json_str(m->make));
    fk_put(o, P_MODEL, wv_json_str(m->model));
    fk_put(o, P_YEAR, wv_json_int(fk_range(&r, 1995, 2024)));
    fk_sb_uint(&sb, (uint64_t)(cents / 100), 1);
    fk_sb_str(&sb, ".");
    fk_sb_uint(&sb, (uint64_t)(cents % 100), 2);
    struct wv_json *price = wv_json_number_text(sb.b);
    fk_put(o, P_PRICE, price ? price : wv_json_double((double)cents / 100.0));
    fk_put(o, P_CREATED_AT, fk_json_time(FK_T0 - fk_range(&r, 30 * FK_DAY, 5 * 365 * FK_DAY)));
    fk_put(o, P_UPDATED_AT, fk_json_time(fk_updated_at(id, version)));
}

/* How many purchases user `uid` has (0..3, mean 1.25; independent of the version). */
static int fk_purchases_of(int64_t seed, int64_t uid)
{
    struct fk_rng r;
    fk_rng_init(&r, seed, FK_TAG_NPURCHASES, uid, 0);
    uint32_t x = fk_below(&r, 20);
    return x < 4 ? 0 : x < 13 ? 1 : x < 18 ? 2 : 3;
}

/* Purchase `id` of user `uid`: 70% are bought after being put in the cart, 15% of those are
 * returned. All happen at least two weeks before T0; updated_at follows the version. */
static void fk_fill_purchase(struct wv_json *o, int64_t seed, int64_t id, int64_t uid,
                             int64_t n_products, int64_t version)
{
    struct fk_rng r;
    fk_rng_init(&r, seed, FK_TAG_PURCHASE, id, 0);
    int64_t created = FK_T0 - fk_range(&r, 60 * FK_DAY, 730 * FK_DAY);
    int64_t added = created + fk_range(&r, 0, 3 * FK_DAY);
    int64_t bought = fk_below(&r, 100) < 70 ? added + fk_range(&r, 60, 14 * FK_DAY) : 0;
    int64_t returned =
        bought && fk_below(&r, 100) < 15 ? bought + fk_range(&r, FK_DAY, 30 * FK_DAY) : 0;
    fk_put(o, B_ID, wv_json_int(id));
    fk_put(o, B_PRODUCT_ID, wv_json_int(fk_range(&r, 1, n_products)));
    fk_put(o, B_USER_ID, wv_json_int(uid));
    fk_put(o, B_ADDED_TO_CART_AT, fk_json_time(added));
    fk_put(o, B_PURCHASED_AT, bought ? fk_json_time(bought) : wv_json_null());
    fk_put(o, B_RETURNED_AT, returned ? fk_json_time(returned) : wv_json_null());
    fk_put(o, B_CREATED_AT, fk_json_time(created));
    fk_put(o, B_UPDATED_AT, fk_json_time(fk_updated_at(id, version)));
}

/* ---- schemas and catalog ---- */

/* The JSON schema of one field. */
static struct wv_json *fk_field_schema(const struct fk_field *f)
{
    struct wv_json *s = wv_json_object();
    struct wv_json *nt;
    switch (f->kind) {
    case FK_INT: wv_json_set(s, "type", wv_json_str("integer")); break;
    case FK_NUM: wv_json_set(s, "type", wv_json_str("number")); break;
    case FK_STR: wv_json_set(s, "type", wv_json_str("string")); break;
    case FK_TS:
    case FK_TS_NULL:
        if (f->kind == FK_TS_NULL) {
            nt = wv_json_array();
            wv_json_push(nt, wv_json_str("null"));
            wv_json_push(nt, wv_json_str("string"));
            wv_json_set(s, "type", nt);
        } else {
            wv_json_set(s, "type", wv_json_str("string"));
        }
        wv_json_set(s, "format", wv_json_str("date-time"));
        wv_json_set(s, "airbyte_type", wv_json_str("timestamp_with_timezone"));
        break;
    case FK_ADDR:
        wv_json_set(s, "type", wv_json_str("object"));
        nt = wv_json_object();
        for (size_t i = 0; i < FK_N_ADDRESS; i++)
            wv_json_set(nt, fk_address_fields[i].key, fk_field_schema(&fk_address_fields[i]));
        wv_json_set(s, "properties", nt);
        break;
    }
    wv_json_set(s, "description", wv_json_str(f->desc));
    return s;
}

/* The AirbyteStream object of one stream. */
static struct wv_json *fk_stream_json(const struct fk_stream_def *d)
{
    struct wv_json *schema = wv_json_object(), *props = wv_json_object();
    wv_json_set(schema, "$schema", wv_json_str("http://json-schema.org/draft-07/schema#"));
    wv_json_set(schema, "type", wv_json_str("object"));
    wv_json_set(schema, "additionalProperties", wv_json_bool(true));
    for (size_t i = 0; i < d->n_fields; i++)
        wv_json_set(props, d->fields[i].key, fk_field_schema(&d->fields[i]));
    wv_json_set(schema, "properties", props);

    struct wv_json *st = wv_json_object(), *modes = wv_json_array(), *cur = wv_json_array();
    struct wv_json *pk = wv_json_array(), *pk1 = wv_json_array();
    wv_json_set(st, "name", wv_json_str(d->name));
    wv_json_set(st, "json_schema", schema);
    wv_json_push(modes, wv_json_str("full_refresh"));
    wv_json_push(modes, wv_json_str("incremental"));
    wv_json_set(st, "supported_sync_modes", modes);
    wv_json_set(st, "source_defined_cursor", wv_json_bool(true));
    wv_json_push(cur, wv_json_str("updated_at"));
    wv_json_set(st, "default_cursor_field", cur);
    wv_json_push(pk1, wv_json_str("id"));
    wv_json_push(pk, pk1);
    wv_json_set(st, "source_defined_primary_key", pk);
    wv_json_set(st, "is_resumable", wv_json_bool(true));
    return st;
}

/* An empty record object of a field list (values null; filled in place per record). */
static struct wv_json *fk_template(const struct fk_field *fields, size_t n)
{
    struct wv_json *o = wv_json_object();
    for (size_t i = 0; i < n; i++)
        wv_json_set(o, fields[i].key,
                    fields[i].kind == FK_ADDR ? fk_template(fk_address_fields, FK_N_ADDRESS)
                                              : wv_json_null());
    return o;
}

/* Whether a template's keys sit at the positions the field enums assume. */
static bool fk_template_ok(const struct wv_json *o, const struct fk_field *fields, size_t n)
{
    if (!o || o->type != WV_JSON_OBJECT || o->len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!wv_str_eq(o->keys[i], fields[i].key))
            return false;
        if (fields[i].kind == FK_ADDR &&
            !fk_template_ok(o->items[i], fk_address_fields, FK_N_ADDRESS))
            return false;
    }
    return true;
}

/* ---- the four operations ---- */

static const char fk_spec_json[] =
    "{\"documentationUrl\":\"https://docs.airbyte.com/integrations/sources/faker\","
    "\"connectionSpecification\":{\"$schema\":\"http://json-schema.org/draft-07/schema#\","
    "\"title\":\"Faker Source Spec\",\"type\":\"object\",\"required\":[],"
    "\"additionalProperties\":true,\"properties\":{"
    "\"count\":{\"title\":\"Count\",\"description\":\"How many users to generate in total. "
    "Products: the first min(count, 100) of a fixed catalog; purchases: 0 to 3 per user.\","
    "\"type\":\"integer\",\"minimum\":1,\"maximum\":1000000000,\"default\":1000,\"order\":0},"
    "\"seed\":{\"title\":\"Seed\",\"description\":\"Seed of the generator: the same seed always "
    "produces the same records (unlike source-faker, -1 is not random).\",\"type\":\"integer\","
    "\"default\":0,\"order\":1},"
    "\"records_per_slice\":{\"title\":\"Records Per Stream Slice\",\"description\":\"How many "
    "records of a stream are emitted before a state message (checkpoint).\",\"type\":\"integer\","
    "\"minimum\":1,\"default\":1000,\"order\":2},"
    "\"always_updated\":{\"title\":\"Always Updated\",\"description\":\"Whether every "
    "incremental sync re-emits every record with a new updated_at. If false, a sync emits only "
    "records that are new since the last one.\",\"type\":\"boolean\",\"default\":true,"
    "\"order\":3},"
    "\"parallelism\":{\"title\":\"Parallelism\",\"description\":\"Accepted for compatibility "
    "with source-faker and ignored.\",\"type\":\"integer\",\"minimum\":1,\"maximum\":1024,"
    "\"default\":4,\"order\":4},"
    "\"sleep_ms_per_slice\":{\"title\":\"Sleep Per Slice\",\"description\":\"(testing) "
    "milliseconds to pause after each checkpoint\",\"type\":\"integer\",\"minimum\":0,"
    "\"maximum\":60000,\"default\":0,\"order\":5}}}}";

/* spec: the ConnectorSpecification. */
static int fk_spec(void *ctx, struct wv_json **spec, struct wv_error *err)
{
    (void)ctx;
    *spec = wv_json_parse(fk_spec_json, sizeof fk_spec_json - 1, "faker spec", err);
    return *spec ? 0 : wv_error_prefix(err, "faker: spec");
}

/* check: a config is good if it parses. */
static int fk_check(void *ctx, const struct wv_json *config, bool *ok, char **message,
                    struct wv_error *err)
{
    (void)ctx;
    (void)err;
    struct fk_config cfg;
    char why[256];
    *ok = fk_config_parse(config, &cfg, why, sizeof why) == 0;
    *message = *ok ? NULL : wv_asprintf("invalid config: %s", why);
    return 0;
}

/* discover: the three streams. */
static int fk_discover(void *ctx, const struct wv_json *config, struct wv_json **catalog,
                       struct wv_error *err)
{
    (void)ctx;
    struct fk_config cfg;
    char why[256];
    *catalog = NULL;
    if (fk_config_parse(config, &cfg, why, sizeof why) < 0)
        return wv_error_set(err, WV_E_CONFIG, 0, "faker: invalid config: %s", why);
    struct wv_json *streams = wv_json_array();
    for (size_t i = 0; i < FK_N_STREAMS; i++)
        wv_json_push(streams, fk_stream_json(&fk_streams[i]));
    *catalog = wv_json_object();
    wv_json_set(*catalog, "streams", streams);
    return 0;
}

/* ---- read ---- */

/* One stream's read in progress. */
struct fk_run {
    const struct fk_stream_def *def;
    const char *ns;
    const struct fk_config *cfg;
    const struct conn_read_env *env;
    const struct wv_clock *clock;
    const struct conn_sink *sink;
    struct wv_error *err;
    int64_t version;     /* this run's version (written to the state) */
    int64_t rec_version; /* the version records are generated as (0 if !always_updated) */
    int64_t after_id;    /* emit only ids greater than this */
    int64_t n_products;
    struct wv_msg rec; /* the RECORD message, refilled per record */
    int64_t emitted, since_ckpt, last_id, last_sec;
    char *prev_updated; /* updated_at of the input state (owned), until a record replaces it */
};

/* Whether the caller asked to stop. */
static bool fk_cancelled(const struct conn_read_env *env)
{
    return env && env->cancel && *env->cancel;
}

/* Hands a message to the sink; names the stream in the sink's error. */
static int fk_emit(struct fk_run *run, const struct wv_msg *m)
{
    if (run->sink->ops->emit(run->sink->ctx, m, run->err) == 0)
        return 0;
    if (!wv_error_isset(run->err))
        wv_error_set(run->err, WV_E_INTERNAL, 0, "sink failed");
    return wv_error_prefix(run->err, "faker: stream %s", run->def->name);
}

/* Emits and frees a one-off message. */
static int fk_emit_done(struct fk_run *run, struct wv_msg *m)
{
    int rc = fk_emit(run, m);
    wv_msg_done(m);
    return rc;
}

/* Emits a LOG INFO line. */
static int fk_log(struct fk_run *run, const char *text)
{
    struct wv_msg m;
    wv_msg_log(&m, WV_LOG_INFO, text);
    return fk_emit_done(run, &m);
}

/* Emits a stream status TRACE. */
static int fk_status(struct fk_run *run, const char *status)
{
    struct wv_msg m;
    wv_msg_trace_status(&m, wv_clock_now_ms(run->clock), run->ns, run->def->name, status);
    return fk_emit_done(run, &m);
}

/* Sleeps ms milliseconds in short steps, waking early on cancel. */
static void fk_sleep(const struct conn_read_env *env, int64_t ms)
{
    while (ms > 0 && !fk_cancelled(env)) {
        int64_t step = ms < 20 ? ms : 20;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* Emits the stream's STATE: {"updated_at", "id", "version"}, then the test pause. */
static int fk_checkpoint(struct fk_run *run)
{
    struct wv_json *st = wv_json_object();
    if (run->last_sec)
        wv_json_set(st, "updated_at", fk_json_time(run->last_sec));
    else if (run->prev_updated)
        wv_json_set(st, "updated_at", wv_json_str(run->prev_updated));
    wv_json_set(st, "id", wv_json_int(run->last_id));
    wv_json_set(st, "version", wv_json_int(run->version));
    struct wv_msg m;
    wv_msg_state_stream(&m, run->ns, run->def->name, st);
    if (fk_emit_done(run, &m) < 0)
        return -1;
    run->since_ckpt = 0;
    if (run->cfg->sleep_ms > 0) {
        fk_sleep(run->env, run->cfg->sleep_ms);
        if (fk_cancelled(run->env))
            return wv_error_set(run->err, WV_E_CANCELLED, 0, "cancelled");
    }
    return 0;
}

/* Emits the record just filled into run->rec; checkpoints every records_per_slice. */
static int fk_record(struct fk_run *run, int64_t id, int64_t updated_sec)
{
    if (run->emitted % FK_CANCEL_EVERY == 0 && fk_cancelled(run->env))
        return wv_error_set(run->err, WV_E_CANCELLED, 0, "cancelled");
    if (run->emitted == 0 && fk_status(run, "RUNNING") < 0)
        return -1;
    int64_t now = wv_clock_now_ms(run->clock);
    if (now != run->rec.emitted_at) {
        wv_json_set(run->rec.body, "emitted_at", wv_json_int(now));
        run->rec.emitted_at = now;
    }
    if (fk_emit(run, &run->rec) < 0)
        return -1;
    run->emitted++;
    run->last_id = id;
    run->last_sec = updated_sec;
    if (++run->since_ckpt >= run->cfg->records_per_slice)
        return fk_checkpoint(run);
    return 0;
}

/* Number of purchases over users 1..count. */
static int64_t fk_purchase_total(int64_t seed, int64_t count)
{
    int64_t n = 0;
    for (int64_t u = 1; u <= count; u++)
        n += fk_purchases_of(seed, u);
    return n;
}

/* The record loop of one stream. */
static int fk_generate(struct fk_run *run, enum fk_stream_id sid)
{
    const struct fk_config *c = run->cfg;
    struct wv_json *o = run->rec.data;
    int64_t v = run->rec_version;
    if (sid == FK_USERS || sid == FK_PRODUCTS) {
        int64_t n = sid == FK_USERS ? c->count : run->n_products;
        for (int64_t id = run->after_id + 1; id <= n; id++) {
            if (sid == FK_USERS)
                fk_fill_user(o, c->seed, id, v);
            else
                fk_fill_product(o, c->seed, id, v);
            if (fk_record(run, id, fk_updated_at(id, v)) < 0)
                return -1;
        }
        return 0;
    }
    int64_t pid = 0;
    for (int64_t u = 1; u <= c->count; u++) {
        int np = fk_purchases_of(c->seed, u);
        for (int k = 0; k < np; k++) {
            if (++pid <= run->after_id)
                continue;
            fk_fill_purchase(o, c->seed, pid, u, run->n_products, v);
            if (fk_record(run, pid, fk_updated_at(pid, v)) < 0)
                return -1;
        }
        if (u % FK_CANCEL_EVERY == 0 && fk_cancelled(run->env))
            return wv_error_set(run->err, WV_E_CANCELLED, 0, "cancelled");
    }
    return 0;
}

/* Sets version and start position from the input state (incremental only). */
static void fk_run_resume(struct fk_run *run, const struct wv_cfg_stream *cs,
                          const struct wv_json *state)
{
    run->version = 0;
    run->after_id = 0;
    if (cs->sync_mode != WV_SYNC_INCREMENTAL || !state)
        return;
    const struct wv_json *ss = wv_state_find_stream(state, cs->stream.ns, cs->stream.name);
    if (!ss)
        return;
    int64_t ver, id;
    if (wv_json_get_i64(ss, "version", &ver) == 0 && ver >= 0 &&
        ver < INT64_MAX / 2 / FK_VERSION_STRIDE)
        run->version = ver + 1;
    if (wv_json_get_i64(ss, "id", &id) == 0 && id > 0)
        run->last_id = id;
    run->prev_updated = wv_strdup(wv_json_get_str(ss, "updated_at"));
    if (!run->cfg->always_updated)
        run->after_id = run->last_id;
}

/* Reads one configured stream: STARTED, estimate, records and checkpoints, COMPLETE. */
static int fk_read_stream(struct fk_run *run, enum fk_stream_id sid, const struct wv_cfg_stream *cs,
                          const struct wv_json *state)
{
    const struct fk_config *c = run->cfg;
    fk_run_resume(run, cs, state);
    run->rec_version = c->always_updated ? run->version : 0;
    run->n_products = c->count < FK_MAX_PRODUCTS ? c->count : FK_MAX_PRODUCTS;
    int64_t total = sid == FK_USERS      ? c->count
                    : sid == FK_PRODUCTS ? run->n_products
                                         : fk_purchase_total(c->seed, c->count);
    int64_t rows = total > run->after_id ? total - run->after_id : 0;
    char line[256];
    struct wv_msg m;
    if (fk_status(run, "STARTED") < 0)
        return -1;
    wv_msg_trace_estimate(&m, wv_clock_now_ms(run->clock), run->ns, run->def->name, rows,
                          rows * run->def->row_bytes);
    if (fk_emit_done(run, &m) < 0)
        return -1;
    snprintf(line, sizeof line, "faker: reading stream %s (%s, version %lld, %lld records)",
             run->def->name, wv_sync_mode_name(cs->sync_mode), (long long)run->version,
             (long long)rows);
    if (fk_log(run, line) < 0)
        return -1;
    wv_msg_record(&run->rec, run->ns, run->def->name,
                  fk_template(run->def->fields, run->def->n_fields), wv_clock_now_ms(run->clock));
    if (!fk_template_ok(run->rec.data, run->def->fields, run->def->n_fields))
        return wv_error_set(run->err, WV_E_INTERNAL, 0, "faker: stream %s: bad record template",
                            run->def->name);
    if (fk_generate(run, sid) < 0)
        return -1;
    if ((run->since_ckpt > 0 || run->emitted == 0) && fk_checkpoint(run) < 0)
        return -1;
    if (fk_status(run, "COMPLETE") < 0)
        return -1;
    snprintf(line, sizeof line, "faker: finished stream %s: %lld records", run->def->name,
             (long long)run->emitted);
    return fk_log(run, line);
}

/* Which faker stream a configured stream is; -1 if none. */
static int fk_stream_find(const char *name)
{
    for (int i = 0; i < FK_N_STREAMS; i++)
        if (wv_str_eq(fk_streams[i].name, name))
            return i;
    return -1;
}

/* read: the configured streams in the configured catalog's order. */
static int fk_read(void *ctx, const struct wv_json *config, const struct wv_cfg_catalog *catalog,
                   const struct wv_json *state, const struct conn_read_env *env,
                   const struct conn_sink *sink, struct wv_error *err)
{
    (void)ctx;
    struct fk_config cfg;
    char why[256];
    if (fk_config_parse(config, &cfg, why, sizeof why) < 0)
        return wv_error_set(err, WV_E_CONFIG, 0, "faker: invalid config: %s", why);
    if (!catalog || !sink || !sink->ops || !sink->ops->emit)
        return wv_error_set(err, WV_E_USAGE, 0, "faker: read needs a catalog and a sink");
    for (size_t i = 0; i < catalog->n; i++)
        if (fk_stream_find(catalog->streams[i].stream.name) < 0)
            return wv_error_set(err, WV_E_CONFIG, 0,
                                "faker: unknown stream '%s' (streams: users, products, purchases)",
                                catalog->streams[i].stream.name ? catalog->streams[i].stream.name
                                                                : "");
    for (size_t i = 0; i < catalog->n; i++) {
        const struct wv_cfg_stream *cs = &catalog->streams[i];
        int sid = fk_stream_find(cs->stream.name);
        struct fk_run run = {
            .def = &fk_streams[sid],
            .ns = cs->stream.ns,
            .cfg = &cfg,
            .env = env,
            .clock = env && env->clock ? env->clock : wv_clock_system(),
            .sink = sink,
            .err = err,
        };
        memset(&run.rec, 0, sizeof run.rec);
        int rc = fk_read_stream(&run, (enum fk_stream_id)sid, cs, state);
        wv_msg_done(&run.rec);
        free(run.prev_updated);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Nothing to free: the faker keeps no state. */
static void fk_free(void *ctx) { (void)ctx; }

static const struct conn_source_ops fk_ops = {fk_spec, fk_check, fk_discover, fk_read, fk_free};

/* A new faker source. */
struct conn_source *conn_faker_new(void)
{
    struct conn_source *src = wv_calloc(1, sizeof *src);
    src->ops = &fk_ops;
    src->ctx = NULL;
    src->name = wv_strdup("builtin:faker");
    return src;
}
