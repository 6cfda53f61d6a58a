-- Photos on done entries (issue 12). The bytes live in the database, not on local disk,
-- so every instance of the service serves every photo. One photo per done entry; the
-- entry's course is copied here so that a photo's readers can be decided without a join.
CREATE TABLE photos (
    id           TEXT PRIMARY KEY,
    done_id      TEXT NOT NULL UNIQUE REFERENCES done_log (id) ON DELETE CASCADE,
    course_id    TEXT NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    owner        TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX photos_course ON photos (course_id);
CREATE INDEX photos_owner ON photos (owner);

-- Display names people chose (the web app sends the name from userinfo at sign-in), keyed
-- by token `sub` like every owner here: still no link into the identity server's tables.
CREATE TABLE profiles (
    user_id      TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    updated_at   BIGINT NOT NULL
);
