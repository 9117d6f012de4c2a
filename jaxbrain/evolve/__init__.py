"""Evolutionary optimisation: neurolib's ``"adaptive"`` and ``"nsga2"`` algorithms and every evosax strategy.

:func:`evolve` runs ask → evaluate the whole population in one batched call → tell, writes a checkpoint after
every generation and resumes from it bit for bit. Parameters live in a box (a ``ParameterSpace`` of
``kind="bound"``); objectives carry neurolib's weights (+1 maximise, −1 minimise).

User-supplied operators for ``"adaptive"``/``"nsga2"`` act on whole batches (JAX-traceable; bind settings with
``functools.partial``; ``low``/``high`` are the ``(n,)`` bounds and the first ``n`` genes of a genome are the
parameters):

* ``individual(key, count, low, high) -> (count, G)`` new random genomes
* ``crossover(key, a, b, low, high) -> (a_children, b_children)``, mating ``a[i]`` with ``b[i]`` (``(H, G)`` each)
* ``mutation(key, genomes, low, high) -> genomes`` (``(P, G)``; redrawn until inside the box, ≤ 100 tries, then
  clipped)
* ``parent_selection(key, wfitness, k) -> (k,) int`` and ``selection(key, wfitness, k) -> (k,) int``, with
  ``wfitness`` the ``(N, M)`` weighted fitness (larger is better, ``-inf`` rows for invalid individuals).

An operator written for one genome is batched with ``jax.vmap`` over ``jax.random.split(key, len(genomes))``.
The defaults are exported below (``blend_crossover``, ``sbx_crossover``, ``adaptive_gaussian_mutation``,
``polynomial_mutation``, ``rank_selection``, ``best_selection``, ``crowded_tournament``, ``nsga2_selection``).
"""

from ._algorithms import algorithm_names as algorithm_names
from ._base import Algorithm as Algorithm
from ._bounds import Bounds as Bounds
from ._bounds import as_bounds as as_bounds
from ._evolve import evolve as evolve
from ._evolve import load as load
from ._fitness import loop_fitness as loop_fitness
from ._fitness import vmap_fitness as vmap_fitness
from ._genetic import GeneticState as GeneticState
from ._genetic import genetic as genetic
from ._operators import adaptive_gaussian_mutation as adaptive_gaussian_mutation
from ._operators import adaptive_individual as adaptive_individual
from ._operators import best_selection as best_selection
from ._operators import blend_crossover as blend_crossover
from ._operators import crowded_tournament as crowded_tournament
from ._operators import nsga2_selection as nsga2_selection
from ._operators import polynomial_mutation as polynomial_mutation
from ._operators import rank_selection as rank_selection
from ._operators import sbx_crossover as sbx_crossover
from ._operators import uniform_individual as uniform_individual
from ._result import EvolutionResult as EvolutionResult
from ._result import Generation as Generation
from ._sorting import crowding_distance as crowding_distance
from ._sorting import non_dominated_rank as non_dominated_rank
from ._sorting import pareto_front as pareto_front
