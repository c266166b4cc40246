"""Pictures and documents made from the query library: the 产业链全景图 and the chain briefing."""
