"""Saved example queries for the Cypher console: portable Cypher that runs on both stores."""
from __future__ import annotations

EXAMPLES = [
    ("园区企业最多的环节", "Segments with the most in-zone firms",
     "MATCH (e:Enterprise)-[:IN_SEGMENT]->(s:Segment)\nWHERE e.in_zone = true\n"
     "RETURN s.name AS segment, count(e) AS firms\nORDER BY firms DESC LIMIT 10", {}),
    ("某企业的供应关系（画图）", "A firm's supply ties (drawn)",
     "MATCH (a:Enterprise)-[r:SUPPLIES]->(b:Enterprise)\nWHERE a.name CONTAINS $name OR b.name CONTAINS $name\n"
     "RETURN a, r, b LIMIT 50", {"name": "晶澳"}),
    ("产业链的上下游环节（画图）", "A chain's segments and FEEDS (drawn)",
     "MATCH (a:Segment)-[r:FEEDS]->(b:Segment)-[:PART_OF]->(c:Chain {id: $chain})\nRETURN a, r, b",
     {"chain": "ch_pv"}),
    ("联合体成员数", "Members per alliance",
     "MATCH (e:Enterprise)-[:MEMBER_OF]->(a:Alliance)\nRETURN a.name AS alliance, count(e) AS members\n"
     "ORDER BY members DESC", {}),
    ("获市级坚强堡垒支部称号的党组织", "City-level strong bastion branches",
     "MATCH (p:PartyOrg)\nWHERE p.honour = '坚强堡垒支部' AND p.honour_level = '市级'\n"
     "RETURN p.name AS branch, p.sector AS sector, p.honour_year AS year ORDER BY year DESC, branch", {}),
    ("园外企业与园区企业的供应关系", "Out-of-zone suppliers of in-zone firms",
     "MATCH (o:Enterprise)-[r:SUPPLIES]->(i:Enterprise)\nWHERE o.in_zone = false AND i.in_zone = true\n"
     "RETURN o.name AS supplier, i.name AS customer, r.weight AS weight ORDER BY weight DESC LIMIT 20", {}),
    ("以商招商引荐的项目", "Projects referred by in-zone firms",
     "MATCH (p:Project)-[:REFERRED_BY]->(e:Enterprise)\n"
     "RETURN e.name AS referrer, count(p) AS projects, sum(p.investment) AS investment\n"
     "ORDER BY projects DESC LIMIT 20", {}),
]
