// Contract test: XO's own client library, xo-lib (pinned by .ci/xolib.sh), against the xotest
// simulator. Run by TestXOLibContract (xo/xotest) with XO_URL, XO_USER, XO_PASSWORD and XO_VM
// (a VM the test created) in the environment. Any deviation from what xo-server answers
// throws, and the process exits non-zero.
'use strict'
const assert = require('assert')
const Xo = require('xo-lib').default

const { XO_URL, XO_USER, XO_PASSWORD, XO_VM } = process.env

// rejects asserts that call fails with XO error code `code`.
async function rejects(call, code, what) {
  try {
    await call
  } catch (error) {
    assert.strictEqual(error.code, code, `${what}: code ${error.code} (${error.message})`)
    return error
  }
  assert.fail(`${what}: accepted`)
}

async function main() {
  const xo = new Xo({ url: XO_URL })
  await xo.open()

  // Sign-in, then session.getUser (refreshUser).
  await xo.signIn({ email: XO_USER, password: XO_PASSWORD })
  assert.strictEqual(xo.user.email, XO_USER)
  const user = await xo.refreshUser()
  assert.strictEqual(user.permission, 'admin')
  assert.strictEqual(user.email, XO_USER)

  // Introspection, as xo-cli list-commands does it.
  const methods = await xo.call('system.getMethodsInfo')
  for (const m of ['backupNg.createJob', 'backupNg.editJob', 'schedule.create', 'remote.create', 'xo.getAllObjects']) {
    assert.ok(methods[m], `getMethodsInfo lists ${m}`)
  }
  assert.strictEqual(await xo.call('system.getVersion'), '0.1')

  // xo.getAllObjects, as xo-cli list-objects does it: a map keyed by id.
  const all = await xo.call('xo.getAllObjects')
  assert.ok(all[XO_VM] && all[XO_VM].type === 'VM', 'the test VM is listed')
  const hosts = await xo.call('xo.getAllObjects', { filter: { type: 'host' } })
  assert.strictEqual(Object.keys(hosts).length, 1)
  const templates = await xo.call('xo.getAllObjects', { filter: 'type:VM-template' })
  assert.ok(Object.keys(templates).length >= 1)

  // Remotes.
  const remote = await xo.call('remote.create', { name: 'nas', url: 'nfs://10.10.0.20:/mnt/tank/xo-backups', options: 'vers=4' })
  assert.strictEqual(remote.enabled, true)
  const test = await xo.call('remote.test', { id: remote.id })
  assert.strictEqual(test.success, true)
  assert.ok((await xo.call('remote.getAll')).some(r => r.id === remote.id))

  // Backup job lifecycle: xo-server's schema rejects what backup-ng.mjs rejects.
  const job = {
    name: 'contract',
    mode: 'delta',
    vms: { id: XO_VM },
    remotes: { id: remote.id },
    schedules: { tmp: { cron: '0 1 * * *', timezone: 'Europe/Paris', enabled: true, name: 'nightly' } },
    settings: { '': { reportWhen: 'failure', concurrency: 2 }, tmp: { exportRetention: 7 } },
  }
  await rejects(xo.call('backupNg.createJob', { ...job, compression: 'gzip' }), 10, 'compression gzip')
  await rejects(xo.call('backupNg.createJob', { ...job, settings: { '': { concurrency: -1 } } }), 10, 'concurrency -1')
  await rejects(xo.call('backupNg.createJob', { ...job, name: '' }), 10, 'empty name')
  const id = await xo.call('backupNg.createJob', job)
  assert.strictEqual(typeof id, 'string', 'createJob answers the job id')
  const schedules = (await xo.call('schedule.getAll')).filter(s => s.jobId === id)
  assert.strictEqual(schedules.length, 1)
  const sched = schedules[0]
  assert.strictEqual(sched.enabled, true)
  let stored = await xo.call('backupNg.getJob', { id })
  assert.deepStrictEqual(stored.settings[sched.id], { exportRetention: 7 }, 'settings re-keyed to the schedule id')
  assert.ok(!('tmp' in stored.settings))

  // editJob replaces settings whole (one-level patch): send them complete.
  await xo.call('backupNg.editJob', { id, settings: { ...stored.settings, [sched.id]: { exportRetention: 14 } } })
  stored = await xo.call('backupNg.getJob', { id })
  assert.deepStrictEqual(stored.settings, { '': { reportWhen: 'failure', concurrency: 2 }, [sched.id]: { exportRetention: 14 } })
  await xo.call('backupNg.editJob', { id, settings: { [sched.id]: { exportRetention: 3 } } })
  stored = await xo.call('backupNg.getJob', { id })
  assert.ok(!('' in stored.settings), 'partial settings drop the job-wide entry')
  await rejects(xo.call('backupNg.editJob', { id, name: '' }), 10, 'edit to an empty name')

  // Schedules.
  const weekly = await xo.call('schedule.create', { jobId: id, cron: '0 3 * * 0', enabled: false })
  assert.strictEqual(weekly.name, '')
  await xo.call('schedule.set', { id: weekly.id, enabled: true, name: 'weekly' })
  assert.strictEqual((await xo.call('schedule.get', { id: weekly.id })).name, 'weekly')
  await xo.call('schedule.delete', { id: weekly.id })
  await xo.call('schedule.delete', { id: weekly.id }) // no existence check

  // Run: the schedule is checked before the job; the run's log appears in getAllLogs.
  const missing = await rejects(xo.call('backupNg.runJob', { id: 'nojob', schedule: 'nosched' }), 1, 'unknown schedule')
  assert.deepStrictEqual(missing.data, { id: 'nosched', type: 'schedule' })
  assert.strictEqual(await xo.call('backupNg.runJob', { id, schedule: sched.id }), true)
  const logs = Object.values(await xo.call('backupNg.getAllLogs'))
  const log = logs.find(l => l.jobId === id)
  assert.ok(log, 'the run is logged')
  assert.strictEqual(log.status, 'success')
  assert.strictEqual(log.scheduleId, sched.id)

  // A smart pattern matching no VM: noMatchingVm carries the run's id.
  await xo.call('backupNg.editJob', { id, vms: { type: 'VM', tags: { __or: [['no-such-tag']] } } })
  const skipped = await rejects(xo.call('backupNg.runJob', { id, schedule: sched.id }), 27, 'no VMs match')
  assert.strictEqual(skipped.data.jobId, id)
  const skippedLog = (await xo.call('backupNg.getAllLogs'))[skipped.data.runJobId]
  assert.ok(skippedLog && skippedLog.status === 'skipped', 'runJobId names the skipped log')

  // Delete: the job's schedules go with it.
  await xo.call('backupNg.deleteJob', { id })
  await rejects(xo.call('backupNg.getJob', { id }), 1, 'deleted job')
  assert.strictEqual((await xo.call('schedule.getAll')).filter(s => s.jobId === id).length, 0)
  await xo.call('remote.delete', { id: remote.id })

  await xo.close()
  console.log('xo-lib contract: ok')
}

main().catch(error => {
  console.error('xo-lib contract FAILED:', error && error.stack ? error.stack : error)
  process.exit(1)
})
