-- The parts of Supabase that migrations and RLS policies rely on, for a plain PostgreSQL database:
-- the auth schema with auth.users, auth.uid(), auth.jwt() and auth.role() reading the request's JWT
-- claims, and Supabase's default grants (anon and authenticated may use every table in public, so only
-- RLS keeps rows apart). Supabase preinstalls uuid-ossp in the `extensions` schema; this server has no
-- uuid-ossp, so its usual function stands in (and `create extension` of it is skipped, see rls_probe).
create schema if not exists auth;
create schema if not exists extensions;

create or replace function extensions.uuid_generate_v4() returns uuid
  language sql volatile
  as $$ select gen_random_uuid() $$;

create table if not exists auth.users (
  id uuid primary key default gen_random_uuid(),
  email text unique,
  role text not null default 'authenticated',
  raw_app_meta_data jsonb not null default '{}'::jsonb,
  raw_user_meta_data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create or replace function auth.jwt() returns jsonb
  language sql stable
  as $$ select coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb $$;

create or replace function auth.uid() returns uuid
  language sql stable
  as $$ select nullif(auth.jwt() ->> 'sub', '')::uuid $$;

create or replace function auth.role() returns text
  language sql stable
  as $$ select coalesce(auth.jwt() ->> 'role', current_user) $$;

create or replace function auth.email() returns text
  language sql stable
  as $$ select auth.jwt() ->> 'email' $$;

grant usage on schema auth, extensions, public to anon, authenticated, service_role;
grant execute on all functions in schema auth to anon, authenticated, service_role;
grant select on auth.users to service_role;

alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;

do $$ begin
  execute format('alter database %I set search_path = public, extensions', current_database());
end $$;
