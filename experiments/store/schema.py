"""Versioned schema: an ordered list of migrations, each applied once in its own transaction."""

from __future__ import annotations

ARM_KINDS = ("control", "discount", "gift", "outreach", "custom")
EXPERIMENT_STATUSES = ("draft", "running", "completed")
UPLOAD_KINDS = ("transactions", "customers", "results", "assignments", "demo")

# Each entry is one migration: a list of statements. Never edit a shipped migration;
# append a new one. The store records how many have been applied in meta.schema_version.
MIGRATIONS: list[list[str]] = [
    [
        """
        CREATE TABLE meta (
            key VARCHAR PRIMARY KEY,
            value BIGINT NOT NULL
        )
        """,
        "INSERT INTO meta VALUES ('store_version', 0)",
        "CREATE SEQUENCE upload_id_seq START 1",
        "CREATE SEQUENCE experiment_id_seq START 1",
        """
        CREATE TABLE uploads (
            upload_id BIGINT PRIMARY KEY,
            file_name VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            target_table VARCHAR NOT NULL,
            rows BIGINT NOT NULL,
            loaded_at TIMESTAMP NOT NULL,
            status VARCHAR NOT NULL,
            message VARCHAR,
            experiment_id BIGINT
        )
        """,
        """
        CREATE TABLE customers (
            customer_id VARCHAR PRIMARY KEY,
            first_seen TIMESTAMP
        )
        """,
        """
        CREATE TABLE customer_attributes (
            customer_id VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            value VARCHAR,
            upload_id BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE transactions (
            order_id VARCHAR,
            customer_id VARCHAR NOT NULL,
            ts TIMESTAMP NOT NULL,
            amount DOUBLE NOT NULL,
            margin DOUBLE,
            channel VARCHAR,
            discount DOUBLE NOT NULL DEFAULT 0,
            upload_id BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE experiments (
            experiment_id BIGINT PRIMARY KEY,
            name VARCHAR NOT NULL UNIQUE,
            status VARCHAR NOT NULL CHECK (status IN ('draft', 'running', 'completed')),
            hypothesis VARCHAR,
            salt VARCHAR NOT NULL,
            primary_metric VARCHAR NOT NULL DEFAULT 'repeat_purchase',
            horizon_days INTEGER NOT NULL DEFAULT 60,
            source VARCHAR NOT NULL DEFAULT 'designed',
            settings JSON,
            created_at TIMESTAMP NOT NULL,
            started_at TIMESTAMP,
            ended_at TIMESTAMP
        )
        """,
        """
        CREATE TABLE arms (
            experiment_id BIGINT NOT NULL,
            arm_id INTEGER NOT NULL,
            name VARCHAR NOT NULL,
            kind VARCHAR NOT NULL
                CHECK (kind IN ('control', 'discount', 'gift', 'outreach', 'custom')),
            allocation DOUBLE NOT NULL CHECK (allocation > 0),
            discount_pct DOUBLE NOT NULL DEFAULT 0,
            redemption_share DOUBLE NOT NULL DEFAULT 1,
            cost_per_customer DOUBLE NOT NULL DEFAULT 0,
            params JSON,
            PRIMARY KEY (experiment_id, arm_id),
            UNIQUE (experiment_id, name)
        )
        """,
        """
        CREATE TABLE assignments (
            experiment_id BIGINT NOT NULL,
            customer_id VARCHAR NOT NULL,
            arm_id INTEGER NOT NULL,
            assigned_at TIMESTAMP NOT NULL,
            stratum VARCHAR,
            code VARCHAR,
            upload_id BIGINT
        )
        """,
        """
        CREATE TABLE campaign_results (
            upload_id BIGINT NOT NULL,
            experiment_id BIGINT,
            row_no BIGINT NOT NULL,
            customer_id VARCHAR,
            arm VARCHAR NOT NULL,
            field VARCHAR NOT NULL,
            value DOUBLE,
            text VARCHAR
        )
        """,
        """
        CREATE TABLE known_effects (
            experiment_id BIGINT NOT NULL,
            arm VARCHAR NOT NULL,
            metric VARCHAR NOT NULL,
            horizon_days INTEGER NOT NULL,
            true_value DOUBLE NOT NULL
        )
        """,
    ],
    [
        # store-level settings (experiments.store.settings): one typed value per key, as JSON
        """
        CREATE TABLE store_settings (
            key VARCHAR PRIMARY KEY,
            value JSON NOT NULL,
            updated_at TIMESTAMP NOT NULL
        )
        """,
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)
