-- Pigeon's data model (SPEC §8). Every foreign key cascades: deleting an organization removes all it owns.
-- Times are written by the application clock (SPEC §7.6), so no time column has a database default.

CREATE TABLE organizations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  slug text NOT NULL,
  created_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1,
  CONSTRAINT organizations_slug_key UNIQUE (slug)
);
CREATE INDEX organizations_list_idx ON organizations (created_at DESC, id DESC);

CREATE TABLE oidc_configs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  issuer_url text NOT NULL,
  audience text NOT NULL,
  jwks_url text NULL,
  created_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1,
  CONSTRAINT oidc_configs_issuer_audience_key UNIQUE (issuer_url, audience)
);
CREATE INDEX oidc_configs_list_idx ON oidc_configs (org_id, created_at DESC, id DESC);

CREATE TABLE audit_log (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  command_name text NOT NULL,
  actor text NOT NULL,
  request_id text NULL,
  "timestamp" timestamptz NOT NULL,
  success boolean NOT NULL,
  error_message text NULL
);
CREATE INDEX audit_log_list_idx ON audit_log (org_id, "timestamp" DESC, id DESC);

CREATE TABLE applications (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  uid text NOT NULL,
  created_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1,
  CONSTRAINT applications_org_uid_key UNIQUE (org_id, uid)
);
CREATE INDEX applications_list_idx ON applications (org_id, created_at DESC, id DESC);

CREATE TABLE event_types (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  name text NOT NULL,
  schema jsonb NULL,
  system boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1,
  CONSTRAINT event_types_app_name_key UNIQUE (app_id, name)
);
CREATE INDEX event_types_list_idx ON event_types (app_id, created_at DESC, id DESC);

CREATE TABLE endpoints (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  name text NOT NULL,
  url text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  disabled_reason text NULL,
  disabled_at timestamptz NULL,
  -- Secrets are stored in clear, newest first: database access is access to them.
  signing_secrets text[] NOT NULL,
  created_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1,
  CONSTRAINT endpoints_disabled_reason_check
    CHECK (disabled_reason IN ('manual', 'consecutive_dead_letters', 'gone')),
  CONSTRAINT endpoints_signing_secrets_check CHECK (cardinality(signing_secrets) BETWEEN 1 AND 2),
  CONSTRAINT endpoints_enabled_check CHECK (enabled = (disabled_reason IS NULL))
);
CREATE INDEX endpoints_list_idx ON endpoints (app_id, created_at DESC, id DESC);

CREATE TABLE endpoint_event_types (
  endpoint_id uuid NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  event_type_id uuid NOT NULL REFERENCES event_types (id) ON DELETE CASCADE,
  PRIMARY KEY (endpoint_id, event_type_id)
);
-- Fan-out: the endpoints subscribed to an event type.
CREATE INDEX endpoint_event_types_event_type_idx ON endpoint_event_types (event_type_id);

-- Apart from endpoints so that deliveries never touch an endpoint's version. Updated on every try: leave room on
-- each page for HOT updates and vacuum it often.
CREATE TABLE endpoint_delivery_summary (
  endpoint_id uuid PRIMARY KEY REFERENCES endpoints (id) ON DELETE CASCADE,
  last_delivery_at timestamptz NULL,
  last_status text NULL,
  consecutive_failures integer NOT NULL DEFAULT 0,
  consecutive_dead_letters integer NOT NULL DEFAULT 0
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.05, autovacuum_analyze_scale_factor = 0.05);

CREATE TABLE messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  event_type_id uuid NOT NULL REFERENCES event_types (id) ON DELETE CASCADE,
  -- The compact text of SPEC §5.1, never jsonb: jsonb reorders keys and rewrites numbers.
  payload text NOT NULL,
  idempotency_key text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX messages_list_idx ON messages (app_id, created_at DESC, id DESC);
-- The event type filter, its recent messages, and the cascade when an event type is deleted.
CREATE INDEX messages_event_type_list_idx ON messages (event_type_id, created_at DESC, id DESC);
-- Retention finds old messages across all applications.
CREATE INDEX messages_created_at_idx ON messages (created_at);

CREATE TABLE idempotency_keys (
  app_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  key text NOT NULL,
  message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (app_id, key)
);
CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);
-- The cascade when retention deletes messages.
CREATE INDEX idempotency_keys_message_idx ON idempotency_keys (message_id);

CREATE TABLE attempts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  endpoint_id uuid NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  status text NOT NULL,
  attempt_number integer NOT NULL DEFAULT 0,
  -- Set by a manual retry: no further tries, no dead letter.
  manual_retry boolean NOT NULL DEFAULT false,
  next_attempt_at timestamptz NULL,
  locked_until timestamptz NULL,
  response_code smallint NULL,
  response_body text NULL,
  attempted_at timestamptz NULL,
  duration_ms integer NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT attempts_status_check CHECK (status IN ('pending', 'in_flight', 'succeeded', 'failed')),
  CONSTRAINT attempts_pending_due_check CHECK (status <> 'pending' OR next_attempt_at IS NOT NULL),
  CONSTRAINT attempts_in_flight_lease_check CHECK (status <> 'in_flight' OR locked_until IS NOT NULL)
);
-- The claim reads only pending rows in due order, so it costs O(batch) however long the history.
CREATE INDEX attempts_claim_idx ON attempts (next_attempt_at, id) INCLUDE (endpoint_id) WHERE status = 'pending';
-- The sweeper's expired leases.
CREATE INDEX attempts_lease_idx ON attempts (locked_until) WHERE status = 'in_flight';
-- One live attempt per message and endpoint.
CREATE UNIQUE INDEX attempts_live_pair_key ON attempts (message_id, endpoint_id)
  WHERE status IN ('pending', 'in_flight');
-- The attempts of a message, oldest first.
CREATE INDEX attempts_message_created_idx ON attempts (message_id, created_at);
-- Endpoint stats by try time; also serves the cascade when an endpoint is deleted.
CREATE INDEX attempts_endpoint_attempted_idx ON attempts (endpoint_id, attempted_at);
-- The hottest table: every try updates a row. Vacuum and analyze after a small share of it has changed rather than
-- the default 20 %, so dead rows do not pile up in the claim's index between runs.
ALTER TABLE attempts SET (
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_insert_scale_factor = 0.02,
  autovacuum_analyze_scale_factor = 0.02,
  autovacuum_vacuum_cost_delay = 1
);

CREATE TABLE dead_letters (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  attempt_id uuid NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
  message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  endpoint_id uuid NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  app_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  last_response_code smallint NULL,
  last_response_body text NULL,
  dead_lettered_at timestamptz NOT NULL,
  replayed_at timestamptz NULL,
  CONSTRAINT dead_letters_attempt_key UNIQUE (attempt_id)
);
CREATE INDEX dead_letters_message_idx ON dead_letters (message_id);
-- Lists: per application, newest dead letter first, optionally for one endpoint.
CREATE INDEX dead_letters_list_idx ON dead_letters (app_id, dead_lettered_at DESC, id DESC);
CREATE INDEX dead_letters_endpoint_list_idx ON dead_letters (endpoint_id, dead_lettered_at DESC, id DESC);
