fn main() {
    nnlab_experiments::activations::main();
}
