-- Belf todo service schema. Owners and users are token `sub` values: there is no link
-- into the identity server's tables. Times are unix microseconds, flags 0/1 (BIGINT),
-- days are 'YYYY-MM-DD' text, so the same queries run on SQLite and PostgreSQL.
CREATE TABLE courses (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    title       TEXT NOT NULL,
    explanation TEXT NOT NULL,
    colour      TEXT NOT NULL,
    start_date  TEXT NOT NULL,
    end_date    TEXT,
    is_public   BIGINT NOT NULL,
    -- The course this one was forked from; kept even after the original is deleted.
    forked_from TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX courses_owner ON courses (owner);
CREATE INDEX courses_forked_from ON courses (forked_from);
CREATE INDEX courses_public_recent ON courses (is_public, created_at);

CREATE TABLE course_tags (
    course_id TEXT NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    PRIMARY KEY (course_id, tag)
);
CREATE INDEX course_tags_tag ON course_tags (tag);

CREATE TABLE todos (
    id          TEXT PRIMARY KEY,
    course_id   TEXT NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    explanation TEXT NOT NULL,
    active_date TEXT NOT NULL,
    recurrence  TEXT NOT NULL,
    -- Soft delete: the done log keeps pointing at a todo that no longer shows.
    deleted_at  BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX todos_course ON todos (course_id);

CREATE TABLE done_log (
    id         TEXT PRIMARY KEY,
    todo_id    TEXT NOT NULL REFERENCES todos (id) ON DELETE CASCADE,
    course_id  TEXT NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    owner      TEXT NOT NULL,
    day        TEXT NOT NULL,
    title      TEXT NOT NULL,
    content    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (todo_id, day)
);
CREATE INDEX done_log_course_day ON done_log (course_id, day);
CREATE INDEX done_log_owner_day ON done_log (owner, day);

CREATE TABLE likes (
    course_id  TEXT NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (course_id, user_id)
);
CREATE INDEX likes_user ON likes (user_id);
