/**
 * GET /admin/settings: Prefect 3.9.1's `Settings` model, key for key, so tools that read it find the
 * shape they expect. Values are Prefect's defaults except where this server has its own (the services'
 * settings we read from Worker vars, the host and port of the request). Secrets are never echoed:
 * Prefect masks a set SecretStr as "**********" and shows an unset one as null; we do the same.
 */
import type { Env } from '../env';
import { serviceSettings } from '../services/settings';
import { uiSettings } from './ui-settings';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const MASKED = '**********';

/** Prefect's defaults, as a default 3.9.1 server answers (paths under its default home, ~/.prefect). */
const PREFECT_DEFAULTS = 
{
  "home": "~/.prefect",
  "profiles_path": "~/.prefect/profiles.toml",
  "debug_mode": false,
  "api": {
    "url": null,
    "auth_string": null,
    "key": null,
    "tls_insecure_skip_verify": false,
    "ssl_cert_file": "/etc/ssl/certs/ca-certificates.crt",
    "enable_http2": false,
    "request_timeout": 60.0
  },
  "cli": {
    "colors": true,
    "prompt": null,
    "wrap_lines": true
  },
  "client": {
    "max_retries": 5,
    "retry_jitter_factor": 0.2,
    "retry_extra_codes": [],
    "csrf_support_enabled": true,
    "custom_headers": {},
    "server_version_check_enabled": true,
    "metrics": {
      "enabled": false,
      "port": 4201
    }
  },
  "cloud": {
    "api_url": "https://api.prefect.cloud/api",
    "enable_orchestration_telemetry": true,
    "max_log_size": 25000,
    "ui_url": "https://app.prefect.cloud"
  },
  "deployments": {
    "clear_schedules_on_empty": false,
    "default_work_pool_name": null,
    "default_docker_build_namespace": null
  },
  "events": {
    "worker_max_queue_size": 0
  },
  "experiments": {
    "warn": true
  },
  "flows": {
    "heartbeat_frequency": 180,
    "default_retries": 0,
    "default_retry_delay_seconds": 0
  },
  "internal": {
    "logging_level": "ERROR"
  },
  "logging": {
    "level": "INFO",
    "config_path": "~/.prefect/logging.yml",
    "extra_loggers": [],
    "log_prints": false,
    "colors": true,
    "markup": false,
    "to_api": {
      "enabled": true,
      "batch_interval": 2.0,
      "batch_size": 4000000,
      "max_log_size": 1000000,
      "when_missing_flow": "warn"
    }
  },
  "plugins": {
    "enabled": false,
    "allow": [],
    "deny": [],
    "setup_timeout_seconds": 20.0,
    "strict": false,
    "safe_mode": false
  },
  "results": {
    "default_serializer": "pickle",
    "persist_by_default": false,
    "default_storage_block": null,
    "local_storage_path": "~/.prefect/storage"
  },
  "runner": {
    "process_limit": 5,
    "poll_frequency": 10,
    "crash_on_cancellation_failure": false,
    "auto_install_dependencies": false,
    "server": {
      "enable": false,
      "host": "localhost",
      "port": 8080,
      "log_level": "ERROR",
      "missed_polls_tolerance": 2
    }
  },
  "server": {
    "logging_level": "WARNING",
    "analytics_enabled": false,
    "metrics_enabled": false,
    "log_retryable_errors": false,
    "register_blocks_on_start": true,
    "memoize_block_auto_registration": true,
    "memo_store_path": "~/.prefect/memo_store.toml",
    "deployment_schedule_max_scheduled_runs": 50,
    "api": {
      "auth_string": null,
      "host": "127.0.0.1",
      "port": 4200,
      "base_path": null,
      "default_limit": 200,
      "keepalive_timeout": 5,
      "csrf_protection_enabled": false,
      "csrf_token_expiration": "PT1H",
      "cors_allowed_origins": "*",
      "cors_allowed_methods": "*",
      "cors_allowed_headers": "*",
      "websocket_ping_interval": 20.0,
      "websocket_ping_timeout": 20.0,
      "max_parameter_size": 524288
    },
    "concurrency": {
      "lease_storage": "prefect.server.concurrency.lease_storage.memory",
      "initial_deployment_lease_duration": 300.0,
      "maximum_concurrency_slot_wait_seconds": 30.0
    },
    "database": {
      "sqlalchemy": {
        "connect_args": {
          "application_name": null,
          "search_path": null,
          "statement_cache_size": null,
          "prepared_statement_cache_size": null,
          "tls": {
            "enabled": false,
            "ca_file": null,
            "cert_file": null,
            "key_file": null,
            "check_hostname": true
          }
        },
        "pool_size": 5,
        "pool_recycle": 3600,
        "pool_timeout": 30.0,
        "max_overflow": 10
      },
      "connection_url": "**********",
      "driver": null,
      "host": null,
      "port": null,
      "user": null,
      "name": null,
      "password": null,
      "echo": false,
      "migrate_on_start": true,
      "timeout": 10.0,
      "connection_timeout": 5.0,
      "migration_timeout": null
    },
    "deployments": {
      "concurrency_slot_wait_seconds": 30.0
    },
    "docket": {
      "name": "prefect-server",
      "url": "memory://"
    },
    "ephemeral": {
      "enabled": true,
      "startup_timeout_seconds": 20
    },
    "events": {
      "stream_out_enabled": true,
      "related_resource_cache_ttl": "PT5M",
      "maximum_labels_per_resource": 500,
      "maximum_related_resources": 100,
      "maximum_size_bytes": 1500000,
      "expired_bucket_buffer": "PT1M",
      "proactive_granularity": "PT5S",
      "retention_period": "P7D",
      "maximum_websocket_backfill": "PT15M",
      "websocket_backfill_page_size": 250,
      "messaging_broker": "prefect.server.utilities.messaging.memory",
      "messaging_cache": "prefect.server.utilities.messaging.memory",
      "causal_ordering": "prefect.server.events.ordering.memory",
      "maximum_event_name_length": 1024
    },
    "flow_run_graph": {
      "max_nodes": 10000,
      "max_artifacts": 10000
    },
    "logs": {
      "stream_out_enabled": false,
      "stream_publishing_enabled": false
    },
    "services": {
      "cancellation_cleanup": {
        "enabled": true,
        "loop_seconds": 20.0,
        "cancelling_timeout_seconds": 300.0
      },
      "db_vacuum": {
        "enabled": [
          "events"
        ],
        "loop_seconds": 3600.0,
        "orphan_cleanup_loop_seconds": 86400.0,
        "retention_period": "P90D",
        "batch_size": 200,
        "event_retention_overrides": {
          "prefect.flow-run.heartbeat": "P7D"
        }
      },
      "event_persister": {
        "enabled": true,
        "batch_size": 20,
        "read_batch_size": 1,
        "flush_interval": 5.0,
        "queue_max_size": 50000,
        "max_flush_retries": 5
      },
      "event_logger": {
        "enabled": false
      },
      "foreman": {
        "enabled": true,
        "loop_seconds": 15.0,
        "inactivity_heartbeat_multiple": 3,
        "fallback_heartbeat_interval_seconds": 30,
        "deployment_last_polled_timeout_seconds": 60,
        "work_queue_last_polled_timeout_seconds": 60
      },
      "late_runs": {
        "enabled": true,
        "loop_seconds": 5.0,
        "after_seconds": "PT15S"
      },
      "scheduler": {
        "enabled": true,
        "loop_seconds": 60.0,
        "deployment_batch_size": 100,
        "max_runs": 100,
        "min_runs": 3,
        "max_scheduled_time": "P100D",
        "min_scheduled_time": "PT1H",
        "insert_batch_size": 500,
        "recent_deployments_loop_seconds": 5.0
      },
      "pause_expirations": {
        "enabled": true,
        "loop_seconds": 5.0
      },
      "repossessor": {
        "enabled": true,
        "loop_seconds": 15.0
      },
      "cleanup_reconciler": {
        "enabled": true,
        "loop_seconds": 5.0,
        "batch_size": 100
      },
      "task_run_recorder": {
        "enabled": true,
        "read_batch_size": 1,
        "batch_size": 1,
        "flush_interval": 5.0
      },
      "triggers": {
        "enabled": true,
        "read_batch_size": 1,
        "pg_notify_reconnect_interval_seconds": 10,
        "pg_notify_heartbeat_interval_seconds": 5
      }
    },
    "tasks": {
      "tag_concurrency_slot_wait_seconds": 10.0,
      "max_cache_key_length": 2000,
      "scheduling": {
        "max_scheduled_queue_size": 1000,
        "max_retry_queue_size": 100,
        "pending_task_timeout": "PT0S"
      }
    },
    "ui": {
      "enabled": false,
      "v2_enabled": true,
      "api_url": "http://127.0.0.1:4200/api",
      "serve_base": "/",
      "static_directory": null,
      "show_promotional_content": true
    },
    "worker_channel": {
      "cleanup_queue_storage": "prefect.server.worker_communication.cleanup_queue.memory",
      "cleanup_lease_seconds": 30.0,
      "cleanup_max_delivery_attempts": 3,
      "cleanup_completed_idempotency_retention_seconds": null
    }
  },
  "tasks": {
    "refresh_cache": false,
    "default_no_cache": false,
    "disable_caching": false,
    "default_retries": 0,
    "default_retry_delay_seconds": 0,
    "default_persist_result": null,
    "runner": {
      "thread_pool_max_workers": null,
      "process_pool_max_workers": null
    },
    "scheduling": {
      "default_storage_block": null,
      "delete_failed_submissions": true
    }
  },
  "telemetry": {
    "enable_resource_metrics": true,
    "resource_metrics_interval_seconds": 10
  },
  "testing": {
    "test_mode": false,
    "unit_test_mode": false,
    "unit_test_loop_debug": true,
    "test_setting": "FOO"
  },
  "worker": {
    "debug_mode": false,
    "heartbeat_seconds": 30.0,
    "query_seconds": 10.0,
    "prefetch_seconds": 10.0,
    "enable_cancellation": false,
    "cancellation_poll_seconds": 120.0,
    "webserver": {
      "host": "0.0.0.0",
      "port": 8080
    }
  },
  "ui_url": null,
  "silence_api_url_misconfiguration": false
} satisfies JsonObject;

/** A duration as pydantic serializes a `timedelta` (P7D, PT1H, PT15S, PT0S). */
export function isoDuration(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  let rest = seconds - days * 86_400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = Math.round((rest - m * 60) * 1e6) / 1e6;
  const time = `${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s ? `${s}S` : ''}`;
  if (days && !time) return `P${days}D`;
  return `P${days ? `${days}D` : ''}T${time || '0S'}`;
}

function num(raw: string | undefined, fallback: number): number {
  const n = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return Number.isFinite(n) ? n : fallback;
}

/** Prefect's server.flow_run_graph settings, from the same-named Worker vars. */
export function flowRunGraphSettings(env: Env): { max_nodes: number; max_artifacts: number } {
  return {
    max_nodes: num(env.PREFECT_SERVER_FLOW_RUN_GRAPH_MAX_NODES, 10_000),
    max_artifacts: num(env.PREFECT_SERVER_FLOW_RUN_GRAPH_MAX_ARTIFACTS, 10_000),
  };
}

/** Prefect's settings shape with this server's values; `requestUrl` gives the host, port and UI API URL. */
export function adminSettings(env: Env, requestUrl: string): JsonObject {
  const settings = structuredClone(PREFECT_DEFAULTS) as JsonObject;
  const server = settings.server as JsonObject;
  const api = server.api as JsonObject;
  const url = new URL(requestUrl);
  api.host = url.hostname;
  api.port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  api.auth_string = env.PREFECT_API_AUTH_STRING ? MASKED : null;
  (server.database as JsonObject).connection_url = MASKED;
  // CORS and the UI's settings come from the same vars as src/http/cors.ts and src/routes/ui-settings.ts.
  if (env.PREFECT_SERVER_CORS_ALLOWED_ORIGINS !== undefined) api.cors_allowed_origins = env.PREFECT_SERVER_CORS_ALLOWED_ORIGINS;
  if (env.PREFECT_SERVER_CORS_ALLOWED_METHODS !== undefined) api.cors_allowed_methods = env.PREFECT_SERVER_CORS_ALLOWED_METHODS;
  if (env.PREFECT_SERVER_CORS_ALLOWED_HEADERS !== undefined) api.cors_allowed_headers = env.PREFECT_SERVER_CORS_ALLOWED_HEADERS;
  const ui = uiSettings(env, requestUrl);
  Object.assign(server.ui as JsonObject, { api_url: ui.api_url, v2_enabled: ui.default_ui === 'v2' });
  (server.concurrency as JsonObject).initial_deployment_lease_duration = num(
    env.PREFECT_SERVER_CONCURRENCY_INITIAL_DEPLOYMENT_LEASE_DURATION,
    300,
  );
  (server.deployments as JsonObject).concurrency_slot_wait_seconds = num(env.PREFECT_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS, 30);

  server.flow_run_graph = flowRunGraphSettings(env);

  const ours = serviceSettings(env);
  const services = server.services as Record<string, JsonObject>;
  const s = ours.scheduler;
  Object.assign(services.scheduler!, {
    enabled: s.enabled,
    loop_seconds: s.loopSeconds,
    deployment_batch_size: s.deploymentBatchSize,
    max_runs: s.maxRuns,
    min_runs: s.minRuns,
    max_scheduled_time: isoDuration(s.maxScheduledTime),
    min_scheduled_time: isoDuration(s.minScheduledTime),
    insert_batch_size: s.insertBatchSize,
    recent_deployments_loop_seconds: s.recentDeploymentsLoopSeconds,
  });
  Object.assign(services.late_runs!, {
    enabled: ours.lateRuns.enabled,
    loop_seconds: ours.lateRuns.loopSeconds,
    after_seconds: isoDuration(ours.lateRuns.afterSeconds),
  });
  const f = ours.foreman;
  Object.assign(services.foreman!, {
    enabled: f.enabled,
    loop_seconds: f.loopSeconds,
    inactivity_heartbeat_multiple: f.inactivityHeartbeatMultiple,
    fallback_heartbeat_interval_seconds: f.fallbackHeartbeatIntervalSeconds,
    deployment_last_polled_timeout_seconds: f.deploymentLastPolledTimeoutSeconds,
    work_queue_last_polled_timeout_seconds: f.workQueueLastPolledTimeoutSeconds,
  });
  Object.assign(services.pause_expirations!, {
    enabled: ours.pauseExpirations.enabled,
    loop_seconds: ours.pauseExpirations.loopSeconds,
  });
  Object.assign(services.cancellation_cleanup!, {
    enabled: ours.cancellationCleanup.enabled,
    loop_seconds: ours.cancellationCleanup.loopSeconds,
    cancelling_timeout_seconds: ours.cancellationCleanup.cancellingTimeoutSeconds,
  });
  Object.assign(services.repossessor!, {
    enabled: ours.repossessor.enabled,
    loop_seconds: ours.repossessor.loopSeconds,
  });
  if (ours.eventRetention.retentionSeconds !== null) {
    (server.events as JsonObject).retention_period = isoDuration(ours.eventRetention.retentionSeconds);
  }
  return settings;
}
