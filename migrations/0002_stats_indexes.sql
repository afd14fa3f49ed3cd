-- Stats (SPEC §4.7). Attempts carry no application id: an application's attempts are read through its endpoints, one
-- index range per endpoint, so both indexes below lead with endpoint_id.

-- Pending and in-flight attempts "of any age" are counted from live rows only, never by walking an endpoint's history
-- or every tenant's live attempts (held attempts of a disabled endpoint stay pending indefinitely). message_id lets the
-- event type's count stay index-only. The price: one small entry per write of a pending or in-flight row.
CREATE INDEX attempts_endpoint_live_idx ON attempts (endpoint_id) INCLUDE (message_id)
  WHERE status IN ('pending', 'in_flight');

-- The same (endpoint_id, attempted_at) index, now covering status and message_id: the totals and time series of a
-- period become index-only scans instead of one heap page per attempt. Every try changes both status and attempted_at,
-- so such an update was never HOT and the wider entries add no index writes.
DROP INDEX attempts_endpoint_attempted_idx;
CREATE INDEX attempts_endpoint_attempted_idx ON attempts (endpoint_id, attempted_at) INCLUDE (status, message_id);
