using Calib.Algorithms.Evaluation;
using Calib.Graph.Execution;

namespace Calib.Algorithms.Tests.Evaluation;

/// <summary>The speed line's advice: only a deploy model slower than float, placed without measuring, gets one.</summary>
[TestClass]
public sealed class DeploySpeedTests
{
    [TestMethod]
    [DataRow(2.0, 1.0, false, true, DisplayName = "slower, accuracy placement: advice")]
    [DataRow(2.0, 1.0, true, false, DisplayName = "slower after a speed placement: nothing more to advise")]
    [DataRow(1.0, 2.0, false, false, DisplayName = "faster: no advice")]
    public void Only_a_deploy_model_slower_than_float_and_not_placed_for_speed_gets_advice(double deployMs, double floatMs, bool placed, bool advised)
    {
        var latency = new LatencyResult([1, 1, 28, 28], 9, floatMs, deployMs, floatMs / deployMs, TimeSpan.FromSeconds(1));
        var speed = new DeploySpeed("m.onnx", "m_deploy.onnx", "cpu", 1, 3, latency, 1000, 300);

        var advice = speed.Advice(placedForSpeed: placed);

        Assert.AreEqual(advised, advice is not null);
        if (advised) StringAssert.Contains(advice, "--optimize-for speed");
    }
}
