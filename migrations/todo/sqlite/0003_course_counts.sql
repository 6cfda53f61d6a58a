-- Explore at scale: likes and forks counted once per change instead of per course per
-- search, so "most liked" / "most forked" / "recent" read one index in order and stop at
-- the page (a correlated COUNT per public course made every search a full scan).
ALTER TABLE courses ADD COLUMN like_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE courses ADD COLUMN fork_count BIGINT NOT NULL DEFAULT 0;
UPDATE courses SET
    like_count = (SELECT COUNT(*) FROM likes l WHERE l.course_id = courses.id),
    fork_count = (SELECT COUNT(DISTINCT f.owner) FROM courses f WHERE f.forked_from = courses.id);
CREATE INDEX courses_public_likes ON courses (is_public, like_count DESC, created_at DESC, id);
CREATE INDEX courses_public_forks ON courses (is_public, fork_count DESC, created_at DESC, id);
CREATE INDEX courses_public_created ON courses (is_public, created_at DESC, id);
DROP INDEX courses_public_recent;
