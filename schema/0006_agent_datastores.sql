-- The datastores an agent searches, in its order: a link table instead of the JSON column
-- agents.datastore_ids, so that deleting a datastore detaches it from every agent by itself
-- and knowledge queries need no knowledge of the agents' columns.
CREATE TABLE agent_datastores (
  agent_id     TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  datastore_id INTEGER NOT NULL REFERENCES datastores(id) ON DELETE CASCADE,
  position     INTEGER NOT NULL,
  PRIMARY KEY (agent_id, datastore_id)
);
CREATE INDEX agent_datastores_datastore ON agent_datastores(datastore_id);

INSERT OR IGNORE INTO agent_datastores(agent_id, datastore_id, position)
  SELECT a.id, d.id, j.key
  FROM agents a, json_each(a.datastore_ids) j
  JOIN datastores d ON d.public_id = j.value AND d.org_id = a.org_id;

ALTER TABLE agents DROP COLUMN datastore_ids;
CREATE INDEX chat_messages_agent ON chat_messages(agent_id);
