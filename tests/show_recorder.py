"""A matplotlib backend for the tests (issue 28): an interactive backend replaced by a recorder. With
MPLBACKEND=module://show_recorder (and tests/ on PYTHONPATH), plt.show() opens no window; it prints one line per
figure it would have shown, `[show_recorder] window: <the figure's titles>`, to stdout, where the order against the
prompts is seen. The scripts take it for a screen: its name is not agg."""
from matplotlib._pylab_helpers import Gcf
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

FigureCanvas = FigureCanvasAgg
FigureManager = FigureManagerBase
WINDOW = '[show_recorder] window: '


def show(*args, **kwargs):
    """What plt.show() does here: a line per open figure, as a window per figure on a screen."""
    for manager in Gcf.get_all_fig_managers():
        titles = ' | '.join(axes.get_title() for axes in manager.canvas.figure.axes if axes.get_title())
        print(f'{WINDOW}{titles}', flush=True)
