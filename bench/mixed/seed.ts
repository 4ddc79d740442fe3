// bench/mixed: the data set, seeded once per database with set-based SQL and reused while its
// marker (bench.seed) matches what is asked.
//
// Shortcut, stated honestly (as bench/timeline-feeds.ts does): members, profiles, follows and
// posts are generated with SQL straight into member's and content's tables (as their migrations
// define them), because 10,000 Signups (scrypt) and ~1,000,000 Follow RPCs would take most of an
// hour. One member is signed up through the edge (the real Signup) and its password hash and
// profile enums are copied, so every generated member can log in through member-svc.
//
// Shape: MEMBERS members; followings per member Pareto(alpha 2, xmin 56) capped at 1,000 (~100
// after repeats), followees drawn with a bias to low ranks (rank = N * u^3), so in-degree is
// power-law too; POSTS posts, authors uniform, created over the last year, power-law views and
// likes. Plus three authors for the fan-out rows, followed by exactly 10, 1,000 and every
// member (10,000 by default), who start with no posts.
import type pg from 'pg';

const SEED_VERSION = 1;
export const PASSWORD = 'Passw0rd!';
export const FAN_AUTHORS = [10, 1_000, 10_000] as const;
export const fanEmail = (followers: number): string => `bench-fan-${followers}@example.com`;

export interface DataSet {
  readonly members: number;
  readonly posts: number;
}

/** The marker of a seeded database, or undefined. */
export async function seededWith(db: pg.Client): Promise<(DataSet & { seconds: number }) | undefined> {
  const { rows } = await db.query<{ members: number; posts: number; seconds: number; version: number }>(
    `select members, posts, seconds, version from bench.seed where exists (select 1 from pg_tables where schemaname = 'bench' and tablename = 'seed')`,
  ).catch(() => ({ rows: [] }));
  const row = rows[0];
  return row && row.version === SEED_VERSION ? { members: row.members, posts: row.posts, seconds: row.seconds } : undefined;
}

/**
 * Runs `fill` with the table's secondary indexes dropped, then rebuilds them: one sort per index
 * instead of a million index inserts each. A table no foreign key points at loses its primary-key
 * and unique constraints the same way.
 */
async function withoutIndexes(db: pg.Client, schema: string, table: string, fill: () => Promise<unknown>): Promise<void> {
  const { rows: indexes } = await db.query<{ indexname: string; indexdef: string }>(
    `select i.indexname, i.indexdef from pg_indexes i
     where i.schemaname = $1 and i.tablename = $2 and not exists (select 1 from pg_constraint c where c.conname = i.indexname and c.connamespace = $1::regnamespace)`,
    [schema, table],
  );
  const { rows: constraints } = await db.query<{ conname: string; def: string }>(
    `select c.conname, pg_get_constraintdef(c.oid) def from pg_constraint c
     where c.conrelid = $1::regclass and c.contype in ('p', 'u') and not exists (select 1 from pg_constraint f where f.confrelid = $1::regclass and f.contype = 'f')`,
    [`${schema}.${table}`],
  );
  for (const { indexname } of indexes) await db.query(`drop index ${schema}.${indexname}`);
  for (const { conname } of constraints) await db.query(`alter table ${schema}.${table} drop constraint ${conname}`);
  await fill();
  for (const { conname, def } of constraints) await db.query(`alter table ${schema}.${table} add constraint ${conname} ${def}`);
  for (const { indexdef } of indexes) await db.query(indexdef);
}

/**
 * Seeds the data set. `signupTemplate` must sign `bench-template@example.com` up through the real
 * Signup (password PASSWORD) once the member tables are empty.
 */
export async function seed(db: pg.Client, data: DataSet, signupTemplate: () => Promise<void>, log: (msg: string) => void): Promise<number> {
  const started = Date.now();
  let last = started;
  const step = (what: string): void => {
    log(`  ${what} in ${((Date.now() - last) / 1000).toFixed(1)} s`);
    last = Date.now();
  };
  await db.query(`set synchronous_commit = off`);
  await db.query(`set maintenance_work_mem = '256MB'`);
  // Foreign-key checks off for this session (superuser): every id below comes from member.members,
  // and a million per-row checks were most of the seeding time.
  await db.query(`set session_replication_role = replica`).catch(() => undefined); // not a superuser: checks stay on, slower
  await db.query('drop schema if exists bench cascade');
  await db.query('truncate content.comment_likes, content.post_likes, content.comments, content.posts');
  await db.query('truncate member.follows, member.member_profile_images, member.member_profiles, member.members cascade');
  await signupTemplate();
  step('emptied the tables and signed the template up');
  const template = `(select m.password_hash, p.gender, p.language_code, p.country_code, p.verification_status, p.privacy_level
                     from member.members m join member.member_profiles p on p.member_id = m.id where m.email = 'bench-template@example.com')`;
  await db.query(
    `insert into member.members (email, password_hash)
     select e, t.password_hash from (select 'bench-' || n || '@example.com' as e, n from generate_series(1, $1::int) n
                                     union all select 'bench-fan-' || f || '@example.com', $1 + f from unnest($2::int[]) f order by 2) g, ${template} t`,
    [data.members, FAN_AUTHORS],
  );
  await db.query(
    `insert into member.member_profiles (member_id, member_name, handle, display_name, gender, language_code, country_code, verification_status, privacy_level)
     select m.id, 'bench ' || m.id, 'bench_' || m.id, 'Bench ' || m.id, t.gender, t.language_code, t.country_code, t.verification_status, t.privacy_level
     from member.members m, ${template} t where m.email like 'bench-%' and m.email <> 'bench-template@example.com'`,
  );
  step('members and profiles');
  // rn 1..members: the generated members in id order (the fan-out authors and the template excluded).
  await db.query(`create temp table ranks as select id, row_number() over (order by id) as rn from member.members where email ~ '^bench-[0-9]+@'`);
  await withoutIndexes(db, 'member', 'follows', async () => {
    await db.query(
      // (random() stays in subquery target lists, which PostgreSQL evaluates once per row.)
      `insert into member.follows (follower_id, followee_id)
       select distinct g.follower, e.id from (
         select f.id as follower, 1 + floor($1::int * power(random(), 3))::int as rn
         from ranks f cross join lateral generate_series(1, least(1000, floor(56 / sqrt(1 - random())) + f.id * 0)::int) k
       ) g join ranks e on e.rn = g.rn
       where e.id <> g.follower`,
      [data.members],
    );
    // The fan-out authors: followed by the first 10 / 1,000 / every member in a fixed pseudo-random
    // order (the same order picks the bench's logged-in callers, so the small audiences read).
    await db.query(
      `insert into member.follows (follower_id, followee_id)
       select r.id, a.id from unnest($1::int[]) f join member.members a on a.email = 'bench-fan-' || f || '@example.com'
       cross join lateral (select id from ranks order by md5(id::text) limit f) r`,
      [FAN_AUTHORS],
    );
  });
  step('follows (secondary indexes rebuilt)');
  await db.query(`update member.member_profiles p set followings_count = c.n from (select follower_id, count(*) n from member.follows group by 1) c where c.follower_id = p.member_id`);
  await db.query(`update member.member_profiles p set followers_count = c.n from (select followee_id, count(*) n from member.follows group by 1) c where c.followee_id = p.member_id`);
  step('follow counts');
  await withoutIndexes(db, 'content', 'posts', () =>
    db.query(
      `insert into content.posts (author_id, content, created_at, view_count, like_count, comment_count)
       select r.id, 'bench post ' || g.n, now() - random() * interval '365 days',
              floor(10 / sqrt(1 - random()))::bigint, floor(2 / sqrt(1 - random()))::bigint - 2, floor(3 * random())::bigint
       from (select n, 1 + floor(random() * $2::int)::int as rn from generate_series(1, $1::int) n) g join ranks r on r.rn = g.rn`,
      [data.posts, data.members],
    ),
  );
  step('posts (secondary indexes rebuilt)');
  // As autovacuum would by then: statistics, and the visibility map that index-only scans need.
  for (const table of ['content.posts', 'member.follows', 'member.members', 'member.member_profiles']) await db.query(`vacuum analyze ${table}`);
  step('vacuum analyze');
  const seconds = Math.round((Date.now() - started) / 1000);
  await db.query('create schema bench');
  await db.query('create table bench.seed (members int not null, posts int not null, seconds int not null, version int not null, seeded_at timestamptz not null default now())');
  await db.query('insert into bench.seed (members, posts, seconds, version) values ($1, $2, $3, $4)', [data.members, data.posts, seconds, SEED_VERSION]);
  return seconds;
}

/**
 * The tables the bench's rows write (posts, their outbox rows and idempotency keys, the activity
 * log, the search index, the callers' refresh tokens), vacuumed and analyzed as autovacuum would
 * have done since the last run: the data set is reused across runs, and on a server with
 * autovacuum off (this machine's) their dead row versions would otherwise pile up run after run.
 */
export async function vacuumWritten(db: pg.Client): Promise<void> {
  for (const table of ['content.posts', 'content.outbox', 'content.idempotency_keys', 'activity.activities', 'search.posts', 'member.refresh_tokens']) await db.query(`vacuum analyze ${table}`);
}

/** The bench's callers: `count` generated members in the fixed pseudo-random order (md5 of the id). */
export async function callerEmails(db: pg.Client, count: number): Promise<string[]> {
  const { rows } = await db.query<{ email: string }>(`select m.email from member.members m where m.email ~ '^bench-[0-9]+@' order by md5(m.id::text) limit $1`, [count]);
  return rows.map((r) => r.email);
}
