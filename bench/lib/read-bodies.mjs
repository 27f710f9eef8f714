// @ts-check
// The /deployments/filter bodies the read scenarios send (kept free of Node APIs: the workerd test
// test/http/bench-seed.test.ts sends them too).

/** @type {Record<string, { label: string, body: object }>} */
export const DEPLOYMENT_FILTERS = {
  'deployments-all': { label: '/deployments/filter (no filter)', body: {} },
  'deployments-name-like': { label: '/deployments/filter name.like_', body: { deployments: { name: { like_: 'etl' } } } },
  // "Which production deployments have failing runs?"
  'deployments-flow-runs': {
    label: '/deployments/filter flow_runs state+tags',
    body: { flow_runs: { state: { type: { any_: ['FAILED', 'CRASHED'] } }, tags: { all_: ['env:prod'] } } },
  },
  'deployments-work-pools': { label: '/deployments/filter work_pools', body: { work_pools: { name: { any_: ['k8s-prod'] } } } },
};
