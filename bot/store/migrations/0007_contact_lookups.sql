-- A Teams message releases the deliveries waiting for its sender (bot/store/sql/references.py): the
-- contacts whose Entra object id or email (in any case) is the sender's. Without these, SQLite reads
-- every contact of every claim of the sender's tenant on each message.
CREATE INDEX contacts_aad_object_id ON contacts (aad_object_id);
CREATE INDEX contacts_email_lower ON contacts (lower(email));
