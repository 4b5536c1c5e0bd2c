-- Social resources (社会资源精准对接): providers, their resources, and the
-- matches of resources to households.

-- A provider is kept by one union; a shared provider is seen (and offered
-- from) by every union beneath it too.
CREATE TABLE providers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    union_id    BIGINT NOT NULL REFERENCES unions(id),
    union_path  TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    contact     TEXT NOT NULL,
    phone       TEXT NOT NULL,
    address     TEXT NOT NULL,
    note        TEXT NOT NULL,
    shared      BOOLEAN NOT NULL,
    active      BOOLEAN NOT NULL,
    version     BIGINT NOT NULL,
    created_by  BIGINT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX providers_name ON providers(union_id, name);
CREATE INDEX providers_scope ON providers(union_path);

-- A resource serves the households of its union's subtree. `remaining` is
-- what no match holds yet; a match takes from it in the same statement that
-- checks it, so it never goes below zero.
CREATE TABLE resources (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    provider_id  BIGINT NOT NULL REFERENCES providers(id),
    union_id     BIGINT NOT NULL REFERENCES unions(id),
    union_path   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    detail       TEXT NOT NULL,
    service      TEXT,
    aim          TEXT,
    track        TEXT,
    programme    TEXT,
    place        TEXT NOT NULL,
    wage         BIGINT,
    quantity     BIGINT NOT NULL CHECK (quantity > 0),
    remaining    BIGINT NOT NULL CHECK (remaining >= 0 AND remaining <= quantity),
    unit_value   BIGINT NOT NULL CHECK (unit_value >= 0),
    starts_on    DATE NOT NULL,
    ends_on      DATE,
    transfer_id  BIGINT REFERENCES fund_transfers(id),
    closed       BOOLEAN NOT NULL,
    version      BIGINT NOT NULL,
    created_by   BIGINT,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX resources_scope ON resources(union_path, closed);
CREATE INDEX resources_provider ON resources(provider_id);

-- One household per resource: a dismissed suggestion stays, so that it is not
-- suggested again. `reason` and `note` are sealed (they name illnesses).
CREATE TABLE matches (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id      BIGINT NOT NULL REFERENCES resources(id),
    household_id  BIGINT NOT NULL REFERENCES households(id),
    union_id      BIGINT NOT NULL REFERENCES unions(id),
    union_path    TEXT NOT NULL,
    person        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    quantity      BIGINT NOT NULL CHECK (quantity >= 0),
    status        TEXT NOT NULL,
    outcome_on    DATE,
    note          TEXT NOT NULL,
    assistance_id BIGINT REFERENCES assistance(id),
    measure_id    BIGINT REFERENCES measures(id),
    version       BIGINT NOT NULL,
    created_by    BIGINT,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX matches_resource ON matches(resource_id, household_id);
CREATE INDEX matches_household ON matches(household_id);
CREATE INDEX matches_scope ON matches(union_path, status);
