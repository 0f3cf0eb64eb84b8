fn main() {
    nnlab_experiments::lr::main();
}
