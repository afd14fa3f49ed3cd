import { mount } from "@vue/test-utils"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import BarChart from "../src/components/BarChart.vue"
import { fillBuckets } from "../src/components/timeBuckets"

const NOW = Date.parse("2026-03-10T14:25:00.000Z")

describe("fillBuckets", () => {
  it("fills 24 hourly buckets ending with the current hour, zero where the server sent none", () => {
    const filled = fillBuckets([{ bucket: "2026-03-10T12:00:00.000Z", succeeded: 3, failed: 1 }], "24h", NOW)
    expect(filled).toHaveLength(24)
    expect(new Date(filled[0]!.start).toISOString()).toBe("2026-03-09T15:00:00.000Z")
    expect(new Date(filled[23]!.start).toISOString()).toBe("2026-03-10T14:00:00.000Z")
    expect(filled[21]).toEqual({ start: Date.parse("2026-03-10T12:00:00.000Z"), succeeded: 3, failed: 1 })
    expect(filled.filter((bucket) => bucket.succeeded + bucket.failed > 0)).toHaveLength(1)
  })

  it("widens the range to the partly covered bucket at `since` instead of dropping its counts", () => {
    const filled = fillBuckets([{ bucket: "2026-03-09T14:00:00.000Z", succeeded: 2, failed: 0 }], "24h", NOW)
    expect(filled).toHaveLength(25)
    expect(filled[0]).toEqual({ start: Date.parse("2026-03-09T14:00:00.000Z"), succeeded: 2, failed: 0 })
  })

  it("uses 6-hour buckets at 00, 06, 12, 18 UTC over 7 days and daily buckets over 30 days", () => {
    const week = fillBuckets([], "7d", NOW)
    expect(week).toHaveLength(28)
    expect(new Date(week[27]!.start).toISOString()).toBe("2026-03-10T12:00:00.000Z")
    const month = fillBuckets([], "30d", NOW)
    expect(month).toHaveLength(30)
    expect(new Date(month[29]!.start).toISOString()).toBe("2026-03-10T00:00:00.000Z")
  })
})

describe("BarChart", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] })
    vi.setSystemTime(NOW)
  })
  afterEach(() => vi.useRealTimers())

  it("draws one bar per bucket of the period with time labels and names the bucket count", () => {
    const wrapper = mount(BarChart, {
      props: {
        buckets: [{ bucket: "2026-03-10T12:00:00.000Z", succeeded: 3, failed: 1 }],
        period: "24h",
        label: "Attempts in the last 24 hours"
      }
    })
    expect(wrapper.findAll("svg g")).toHaveLength(24)
    expect(wrapper.get("svg").attributes("aria-label")).toBe(
      "Attempts in the last 24 hours: 3 succeeded, 1 failed in 24 hourly buckets"
    )
    expect(wrapper.findAll(".tick").map((tick) => tick.text())).toEqual(["18:00", "00:00", "06:00", "12:00"])
    expect(wrapper.find(".empty").exists()).toBe(false)
  })

  it("shows the empty state inside the chart when the period has no finished attempts", () => {
    const wrapper = mount(BarChart, { props: { buckets: [], period: "30d", label: "Attempts in the last 30 days" } })
    expect(wrapper.get(".plot .empty").text()).toBe("No finished attempts in this period")
    expect(wrapper.get("svg").attributes("aria-label")).toBe(
      "Attempts in the last 30 days: 0 succeeded, 0 failed in 30 daily buckets"
    )
  })
})
