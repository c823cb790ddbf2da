-- The schema paperbot 0.1.0 (before migrations) created on postgresql: the DDL its create_all emitted.
-- Frozen: never edit to follow the models.

CREATE TABLE documents (
	id SERIAL NOT NULL, 
	name VARCHAR(1024) NOT NULL, 
	root VARCHAR(2048) NOT NULL, 
	sha256 VARCHAR(64) NOT NULL, 
	ingested_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);

CREATE TABLE papers (
	id SERIAL NOT NULL, 
	key VARCHAR(512) NOT NULL, 
	title VARCHAR(1024) NOT NULL, 
	venue VARCHAR(200), 
	year INTEGER, 
	link VARCHAR(2048), 
	added_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT paper_year CHECK (year IS NULL OR (year BETWEEN 1900 AND 2200)), 
	UNIQUE (key)
);

CREATE INDEX ix_papers_added_at ON papers (added_at);

CREATE TABLE people (
	id SERIAL NOT NULL, 
	key VARCHAR(300) NOT NULL, 
	name VARCHAR(300) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (key)
);

CREATE TABLE topics (
	id SERIAL NOT NULL, 
	key VARCHAR(200) NOT NULL, 
	label VARCHAR(200) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (key)
);

CREATE TABLE guild_settings (
	guild_id BIGINT NOT NULL, 
	channel_id BIGINT, 
	weekday INTEGER NOT NULL, 
	hour INTEGER NOT NULL, 
	minute INTEGER NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	last_error TEXT, 
	PRIMARY KEY (guild_id), 
	CONSTRAINT digest_weekday CHECK (weekday BETWEEN 0 AND 6), 
	CONSTRAINT digest_hour CHECK (hour BETWEEN 0 AND 23), 
	CONSTRAINT digest_minute CHECK (minute BETWEEN 0 AND 59)
);

CREATE TABLE digest_runs (
	id SERIAL NOT NULL, 
	guild_id BIGINT NOT NULL, 
	week VARCHAR(10) NOT NULL, 
	claimed_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	claimed_by VARCHAR(100) NOT NULL, 
	posted_at TIMESTAMP WITH TIME ZONE, 
	message_id BIGINT, 
	PRIMARY KEY (id), 
	CONSTRAINT digest_once_per_week UNIQUE (guild_id, week)
);

CREATE INDEX ix_digest_runs_guild_id ON digest_runs (guild_id);

CREATE TABLE settings (
	key VARCHAR(100) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY (key)
);

CREATE TABLE entries (
	id SERIAL NOT NULL, 
	document_id INTEGER NOT NULL, 
	paper_id INTEGER NOT NULL, 
	line INTEGER NOT NULL, 
	title VARCHAR(1024) NOT NULL, 
	authors JSON NOT NULL, 
	venue VARCHAR(200), 
	year INTEGER, 
	topics JSON NOT NULL, 
	link VARCHAR(2048), 
	summary TEXT NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT entry_once_per_document UNIQUE (document_id, paper_id), 
	FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE, 
	FOREIGN KEY(paper_id) REFERENCES papers (id) ON DELETE CASCADE
);

CREATE INDEX ix_entries_document_id ON entries (document_id);

CREATE INDEX ix_entries_paper_id ON entries (paper_id);

CREATE TABLE authorships (
	paper_id INTEGER NOT NULL, 
	person_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	PRIMARY KEY (paper_id, person_id), 
	FOREIGN KEY(paper_id) REFERENCES papers (id) ON DELETE CASCADE, 
	FOREIGN KEY(person_id) REFERENCES people (id) ON DELETE CASCADE
);

CREATE INDEX ix_authorships_person_id ON authorships (person_id);

CREATE TABLE paper_topics (
	paper_id INTEGER NOT NULL, 
	topic_id INTEGER NOT NULL, 
	PRIMARY KEY (paper_id, topic_id), 
	FOREIGN KEY(paper_id) REFERENCES papers (id) ON DELETE CASCADE, 
	FOREIGN KEY(topic_id) REFERENCES topics (id) ON DELETE CASCADE
);

CREATE INDEX ix_paper_topics_topic_id ON paper_topics (topic_id);

CREATE TABLE digest_features (
	id SERIAL NOT NULL, 
	guild_id BIGINT NOT NULL, 
	paper_id INTEGER NOT NULL, 
	run_id INTEGER NOT NULL, 
	cycle INTEGER NOT NULL, 
	reason VARCHAR(200) NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT feature_once_per_cycle UNIQUE (guild_id, paper_id, cycle), 
	FOREIGN KEY(paper_id) REFERENCES papers (id) ON DELETE CASCADE, 
	FOREIGN KEY(run_id) REFERENCES digest_runs (id) ON DELETE CASCADE
);

CREATE INDEX ix_digest_features_guild_id ON digest_features (guild_id);
