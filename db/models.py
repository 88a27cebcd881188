"""SQLAlchemy 2 models: territory, bins and sensors, readings, ingest and users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.types import BigId, UTCDateTime, utcnow


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Commune(Base):
    __tablename__ = "communes"

    insee: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    population: Mapped[int] = mapped_column(Integer)
    boundary: Mapped[str] = mapped_column(Text)  # GeoJSON geometry, lon/lat
    label_lat: Mapped[float] = mapped_column(Float)
    label_lon: Mapped[float] = mapped_column(Float)


class Bin(Base):
    """A container; its latest sensor state is kept here for fast live views."""

    __tablename__ = "bins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    commune_insee: Mapped[str] = mapped_column(ForeignKey("communes.insee"), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    capacity_l: Mapped[int] = mapped_column(Integer)
    empty_distance_mm: Mapped[int] = mapped_column(Integer)
    full_distance_mm: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_measured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_fill_pct: Mapped[float | None] = mapped_column(Float)
    last_distance_mm: Mapped[int | None] = mapped_column(Integer)
    last_battery_pct: Mapped[float | None] = mapped_column(Float)
    last_temperature_c: Mapped[float | None] = mapped_column(Float)
    last_tilt: Mapped[bool | None] = mapped_column(Boolean)
    last_error: Mapped[bool] = mapped_column(Boolean, default=False)
    state_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class Sensor(Base):
    """One installation of a LoRaWAN device on a bin; removed_at closes it."""

    __tablename__ = "sensors"
    __table_args__ = (
        Index(
            "uq_sensors_active_dev_eui",
            "dev_eui",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dev_eui: Mapped[str] = mapped_column(String(16), index=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"), index=True)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Reading(Base):
    __tablename__ = "readings"
    __table_args__ = (
        UniqueConstraint("sensor_id", "measured_at", name="uq_readings_sensor_time"),
        Index("ix_readings_bin_time", "bin_id", "measured_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sensors.id"))
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    distance_mm: Mapped[int | None] = mapped_column(Integer)
    fill_pct: Mapped[float | None] = mapped_column(Float)
    battery_pct: Mapped[float | None] = mapped_column(Float)
    temperature_c: Mapped[float | None] = mapped_column(Float)
    tilt: Mapped[bool | None] = mapped_column(Boolean)
    rssi: Mapped[float | None] = mapped_column(Float)
    snr: Mapped[float | None] = mapped_column(Float)
    seq: Mapped[int | None] = mapped_column(BigId)
    source: Mapped[str] = mapped_column(String(12))


class DeadLetter(Base):
    """A refused message: where it came from, why, and the start of it."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    topic: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(String(300))
    payload_excerpt: Mapped[str] = mapped_column(Text)
    payload_size: Mapped[int] = mapped_column(Integer)


class IngestStat(Base):
    """Messages counted per minute and source, written by whichever process ingests."""

    __tablename__ = "ingest_stats"

    minute: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    source: Mapped[str] = mapped_column(String(12), primary_key=True)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServiceStatus(Base):
    """Heartbeat of a background service (the ingest), readable by every web worker."""

    __tablename__ = "service_status"

    # "ingest:<MQTT client id>" for each ingest worker, so several workers show apart
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(300), default="")
    reconnects: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    host: Mapped[str | None] = mapped_column(String(100))  # machine:pid
    state_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queue_depth: Mapped[int | None] = mapped_column(Integer)  # pipeline queue
    write_ms: Mapped[float | None] = mapped_column(Float)  # last DB write, ms
    db_errors: Mapped[int | None] = mapped_column(Integer)  # failed batch commits


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """A Bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SecurityEvent(Base):
    """The security audit log: logins, failed logins, user and token changes.

    Never holds a password or a token, only who did what to whom and from where.
    """

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(30), index=True)
    actor: Mapped[str | None] = mapped_column(String(100))
    target: Mapped[str | None] = mapped_column(String(100))
    source_ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str | None] = mapped_column(String(200))


class ForecastRow(Base):
    """The latest forecast of a bin (one row per bin, replaced at each refresh)."""

    __tablename__ = "forecasts"

    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"), primary_key=True)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    current_fill: Mapped[float | None] = mapped_column(Float)
    rate_pct_per_h: Mapped[float] = mapped_column(Float)
    alert_eta: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    overflow_eta: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    method: Mapped[str] = mapped_column(String(20))
    stuck: Mapped[bool] = mapped_column(Boolean, default=False)
    trajectory: Mapped[str] = mapped_column(Text)  # JSON: times, expected, lower, upper


class CollectionEvent(Base):
    """A crew's report at a bin: collected, or could not be reached."""

    __tablename__ = "collection_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("route_plans.id"))
    truck: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # collecte | inaccessible
    comment: Mapped[str] = mapped_column(String(500), default="")
    fill_before: Mapped[float | None] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    recorded_by: Mapped[str] = mapped_column(String(64))


class RoutePlan(Base):
    """A saved collection plan for a day (routes as JSON, as the crews received it)."""

    __tablename__ = "route_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[str] = mapped_column(String(10), index=True)  # ISO date, Paris
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[str] = mapped_column(Text)  # JSON
    routes: Mapped[str] = mapped_column(Text)  # JSON
    distance_km: Mapped[float] = mapped_column(Float)
    stops: Mapped[int] = mapped_column(Integer)


class JobRun(Base):
    """One run of a scheduled job, for /systeme."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job: Mapped[str] = mapped_column(String(40), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12))  # ok | erreur | ignore
    detail: Mapped[str] = mapped_column(String(500), default="")
    host: Mapped[str] = mapped_column(String(100), default="")


class JobLock(Base):
    """A lease so that one scheduler at a time runs a job (SQLite; PostgreSQL uses
    advisory locks)."""

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MonthlyReport(Base):
    """A month's summary for the agglomeration ("pma") or a commune, as written."""

    __tablename__ = "monthly_reports"
    __table_args__ = (UniqueConstraint("month", "scope", name="uq_monthly_reports"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    scope: Mapped[str] = mapped_column(String(5))  # "pma" or an INSEE code
    title: Mapped[str] = mapped_column(String(200))
    html: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OpenDataFile(Base):
    """The latest build of one open-data file (dataset x format), gzip-compressed.

    Written by the `opendata` job, read by every web worker, so that all of them
    serve the same files with the same `built_at`."""

    __tablename__ = "opendata_files"

    dataset: Mapped[str] = mapped_column(String(40), primary_key=True)
    format: Mapped[str] = mapped_column(String(8), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(64))  # of the uncompressed file
    data_hash: Mapped[str] = mapped_column(String(64))  # of the rows, any format
    rows: Mapped[int] = mapped_column(Integer)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HealthSnapshot(Base):
    """One imported Annuaire Santé (RPPS) extract; a new import replaces it whole."""

    __tablename__ = "health_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_name: Mapped[str] = mapped_column(String(255))
    extracted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_kept: Mapped[int] = mapped_column(Integer)
    report: Mapped[str] = mapped_column(Text)  # JSON: drops by reason, bad lines


class HealthPractice(Base):
    """A practitioner of a followed profession in a commune, counted once there."""

    __tablename__ = "health_practices"
    __table_args__ = (
        UniqueConstraint(
            "snapshot_id",
            "practitioner_id",
            "profession",
            "commune_insee",
            name="uq_health_practices_person",
        ),
        Index("ix_health_practices_snapshot_commune", "snapshot_id", "commune_insee"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("health_snapshots.id", ondelete="CASCADE")
    )
    practitioner_id: Mapped[str] = mapped_column(String(20))
    profession: Mapped[str] = mapped_column(String(32))
    commune_insee: Mapped[str] = mapped_column(String(5))
    primary_care: Mapped[bool] = mapped_column(Boolean)  # libéral or centre de santé
    placed_by: Mapped[str] = mapped_column(String(12))  # "insee" or "code_postal"
    sites: Mapped[int] = mapped_column(Integer, default=1)  # communes of the person


class HealthOutsideCommune(Base):
    """A commune outside the territory whose practitioners were kept (nearby supply)."""

    __tablename__ = "health_outside_communes"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("health_snapshots.id", ondelete="CASCADE"), primary_key=True
    )
    insee: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    population: Mapped[int] = mapped_column(Integer)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class ForecastQuality(Base):
    """A backtest of the forecasts on stored history (rows of the result table)."""

    __tablename__ = "forecast_quality"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    results: Mapped[str] = mapped_column(Text)  # JSON records


class OverflowPrediction(Base):
    """First time an overflow was predicted for a bin and a day (to score forecasts)."""

    __tablename__ = "overflow_predictions"
    __table_args__ = (UniqueConstraint("bin_id", "day", name="uq_overflow_bin_day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    day: Mapped[str] = mapped_column(String(10), index=True)  # Paris date of the ETA
    predicted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    overflow_eta: Mapped[datetime] = mapped_column(UTCDateTime)


class Incident(Base):
    """A security report of the territoire vigilant, from intake to closure."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[str] = mapped_column(String(64), unique=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    severity: Mapped[str] = mapped_column(String(12), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    commune_insee: Mapped[str] = mapped_column(ForeignKey("communes.insee"), index=True)
    source: Mapped[str] = mapped_column(String(64))
    reporter_ref: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(20))
    assignee: Mapped[str | None] = mapped_column(String(120))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IncidentEvent(Base):
    """The audit trail of an incident: who did what, when, with which comment."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)
