import { describe, expect, it } from 'vitest'
import { jobView, type JobInfo, type JobState } from './recording.ts'

describe('jobView', () => {
  it('shows each job state in the names the HTTP API has always used (RunPod\'s), keeping the rest of the job as it is', () => {
    const job = (status: JobState): JobInfo => ({ id: 'job-1', status, audioReference: 'presigned', delayTime: 1200, executionTime: null })
    const states: JobState[] = ['queued', 'running', 'completed', 'failed', 'cancelled', 'timed-out']
    expect(states.map((s) => jobView(job(s)).status)).toEqual(['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'])
    expect(jobView(job('running'))).toEqual({ id: 'job-1', status: 'IN_PROGRESS', audioReference: 'presigned', delayTime: 1200, executionTime: null })
  })
})
