package io.grade.cli.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The picture of {@code grade bench learning} (JFreeChart, PNG): one panel per world, one curve per
 * seed (gap_closed of the newest published version against requests issued), with the best static
 * weights (0), issue 13's 0.5 target and the world's item-agnostic ceiling (mean over its seeds)
 * drawn across.
 */
public final class LearningChart {

    private static final int WIDTH = 900;
    private static final int PANEL_HEIGHT = 340;
    private static final BasicStroke DASHED = new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
            10f, new float[] {6f, 4f}, 0f);

    private LearningChart() {}

    /** Writes the chart of the runs to {@code png} (parent directories created). */
    public static void write(Path png, List<LearningCurve.Run> runs) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JFreeChart chart = chart(runs);
        int panels = Math.max(1, ((CombinedDomainXYPlot) chart.getPlot()).getSubplots().size());
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, PANEL_HEIGHT * panels + 90);
    }

    static JFreeChart chart(List<LearningCurve.Run> runs) {
        Map<String, List<LearningCurve.Run>> byWorld = new LinkedHashMap<>();
        for (LearningCurve.Run r : runs) {
            byWorld.computeIfAbsent(r.world(), w -> new ArrayList<>()).add(r);
        }
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("requests issued"));
        plot.setGap(12);
        byWorld.forEach((world, worldRuns) -> plot.add(panel(world, worldRuns), 1));
        return new JFreeChart("Learning speed through Kafka: gap_closed of the newest published version",
                JFreeChart.DEFAULT_TITLE_FONT, plot, true);
    }

    private static XYPlot panel(String world, List<LearningCurve.Run> runs) {
        XYSeriesCollection data = new XYSeriesCollection();
        double ceiling = 0;
        for (LearningCurve.Run r : runs) {
            XYSeries s = new XYSeries(world + " seed " + r.seed());
            for (LearningCurve.Checkpoint c : r.curve()) {
                s.add(c.requests(), c.gapClosed());
            }
            data.addSeries(s);
            ceiling += r.ceiling().gapClosed();
        }
        ceiling /= runs.size();
        NumberAxis y = new NumberAxis("gap_closed (" + world + ")");
        XYPlot p = new XYPlot(data, null, y, new XYLineAndShapeRenderer(true, true));
        p.setBackgroundPaint(Color.WHITE);
        p.setRangeGridlinePaint(Color.LIGHT_GRAY);
        p.setDomainGridlinePaint(Color.LIGHT_GRAY);
        p.addRangeMarker(marker(0, "best static weights", Color.DARK_GRAY));
        p.addRangeMarker(marker(LearningCurve.TARGET_GAP, "issue 13: 0.5 by 30,000", new Color(0x2E7D32)));
        p.addRangeMarker(marker(ceiling, String.format(Locale.ROOT, "item-agnostic ceiling %.3f", ceiling),
                new Color(0xC62828)));
        // keep the ceiling in view even while the curves sit far below it
        double lo = Math.min(0, extremeY(data, false));
        y.setRange(lo - 0.05, Math.max(ceiling, extremeY(data, true)) + 0.1);
        return p;
    }

    private static ValueMarker marker(double value, String label, Color colour) {
        ValueMarker m = new ValueMarker(value, colour, DASHED);
        m.setLabel(label);
        m.setLabelPaint(colour);
        m.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        m.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
        return m;
    }

    /** The lowest (or highest) y of any series; 0 when there are no points. */
    private static double extremeY(XYSeriesCollection data, boolean highest) {
        double out = highest ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        for (int i = 0; i < data.getSeriesCount(); i++) {
            XYSeries s = data.getSeries(i);
            if (s.getItemCount() > 0) {
                out = highest ? Math.max(out, s.getMaxY()) : Math.min(out, s.getMinY());
            }
        }
        return Double.isInfinite(out) ? 0 : out;
    }
}
