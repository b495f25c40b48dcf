// A search score that means something: relevance, computed by an FTS5 auxiliary function.
#pragma once

namespace agentd::db { class Conn; }

namespace agentd::knowledge {

// Makes `relevance(<fts5 table>, '<its name>', <datastore id>)` available on this connection
// (once per connection): the row's relevance, or -1 for a row of another datastore (it sorts
// after every row of this one); it keeps chunk lengths and datastores in memory
// (knowledge/relevance.cpp, docs/decisions.md). Relevance is the row's BM25 (k1 1.2, b 0.75,
// FTS5's own idf) divided by the most any row could score for the same query, every word of it
// present without limit: a value in [0, 1) that orders rows as BM25 does and that can be
// compared across queries and knowledge bases. A passage of average length holding each word of
// the question once scores 1/2.2 = 0.45; one holding the words that carry half of the question's
// weight, about 0.23; a question whose rarest word is in no passage at all keeps every passage
// low, which is what a "nothing fits" floor needs.
void enable_relevance(db::Conn& conn);

}  // namespace agentd::knowledge
